# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Behaviour of the quantity core beyond the ported upstream tables."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.quantity import (
    FORMATS,
    Quantity,
    format_quantity,
    parse_quantity,
    quantity_ratio,
)

CAP = 2 ** 63 - 1
REGEX_REASON = "quantities must match the regular expression"
SUFFIX_REASON = "unable to parse quantity's suffix"
NUMERIC_REASON = "unable to parse numeric part of quantity"


# ---------------------------------------------------------------- canonical

# The canonical-form table of the collection's Kubernetes reference notes.
@pytest.mark.parametrize(
    "text, canonical",
    [
        ("1.5", "1500m"),
        ("1.5Gi", "1536Mi"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        ("0.5Ki", "512"),
        ("2.5Mi", "2560Ki"),
        ("1000m", "1"),
        ("1e+3", "1e3"),
        ("1.5e3", "1500"),
    ],
)
def test_reference_canonical_table(text, canonical):
    assert parse_quantity(text).canonical() == canonical


# Inputs where the API server's String() echoes the input; the true canonical
# form differs.
@pytest.mark.parametrize(
    "text, canonical",
    [("1E6", "1e6"), ("100.035k", "100035"), ("+1", "1"), ("1.", "1"), ("00001", "1"), ("1e+3", "1e3")],
)
def test_true_canonical_not_the_echo(text, canonical):
    assert parse_quantity(text).canonical() == canonical


def test_canonical_keeps_the_family():
    assert parse_quantity("1.5e3").format == "DecimalExponent"
    assert parse_quantity("1E").format == "DecimalSI"
    assert parse_quantity("1E3").format == "DecimalExponent"
    assert parse_quantity("1E").value == 10 ** 18
    assert parse_quantity("1E3").value == 1000


@pytest.mark.parametrize(
    "value, fmt, canonical",
    [
        (1000, "BinarySI", "1k"),  # below 1Ki a binary amount prints as decimal SI
        (1023, "BinarySI", "1023"),
        (1536, "BinarySI", "1536"),
        (2048, "BinarySI", "2Ki"),
        (7 * 2 ** 60, "BinarySI", "7Ei"),
        (CAP, "BinarySI", "9223372036854775807"),
        (Decimal("1024.5"), "BinarySI", "1024500m"),  # not whole: decimal SI, no rounding
        (Decimal("0.5"), "DecimalExponent", "500e-3"),
        (10 ** 30, "DecimalSI", "1e30"),
        (10 ** 19, "DecimalSI", "10E"),
        (-(10 ** 21), "DecimalSI", "-1e21"),
    ],
)
def test_canonical_edges(value, fmt, canonical):
    assert Quantity(Decimal(value), fmt).canonical() == canonical
    assert parse_quantity(canonical).value == Decimal(value)


def test_str_is_canonical():
    assert str(parse_quantity("1.5Gi")) == "1536Mi"


# ------------------------------------------------------------------ parsing

@pytest.mark.parametrize("text", ["+", "-", ".", "e3", "+.", "-.", "0.", ".0", "-0", "E3", "Ki", "Ti"])
def test_lenient_inputs_parse_as_zero(text):
    q = parse_quantity(text)
    assert q.value == 0
    assert q.canonical() == "0"


@pytest.mark.parametrize("text, value", [("1.", 1), ("1.G", 10 ** 9), ("1.Ki", 1024), ("-1.", -1)])
def test_trailing_point_is_valid(text, value):
    assert parse_quantity(text).value == value


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", REGEX_REASON),
        (" 1", REGEX_REASON),
        ("1 ", REGEX_REASON),
        ("1,000", REGEX_REASON),
        ("0x10", REGEX_REASON),
        ("1KiB", REGEX_REASON),
        ("1Mb", REGEX_REASON),
        ("1MI", REGEX_REASON),
        ("1.1.M", REGEX_REASON),
        ("1_000", REGEX_REASON),
        ("\u0661", REGEX_REASON),  # ARABIC-INDIC DIGIT ONE is not an ASCII digit
        ("1K", SUFFIX_REASON),
        ("1ki", SUFFIX_REASON),
        ("1mi", SUFFIX_REASON),
        ("1e", SUFFIX_REASON),
        ("1i", SUFFIX_REASON),
        ("0.1mi", SUFFIX_REASON),
        ("-3.01e-", SUFFIX_REASON),
        ("1ee3", SUFFIX_REASON),
        ("1e2147483648", SUFFIX_REASON),  # exponent beyond 32 bits is refused
        ("e-10", NUMERIC_REASON),  # no digits, and too fine for the fast route
        (".e-10", NUMERIC_REASON),
        ("Pi", NUMERIC_REASON),
        ("-Ei", NUMERIC_REASON),
    ],
)
def test_invalid_inputs_give_the_upstream_reason(text, reason):
    with pytest.raises(KataNodeError) as info:
        parse_quantity(text, field="overhead.podFixed.memory")
    message = str(info.value)
    assert reason in message
    assert message.startswith("overhead.podFixed.memory: ")
    assert '"%s"' % text in message
    assert "use a form like 512Mi, 1.5Gi, 250m or 2" in message
    assert message.endswith(".")
    assert "\n" not in message


def test_exponent_bounds():
    assert parse_quantity("1e2147483647").canonical() == "10e2147483646"  # exponents are multiples of 3
    assert parse_quantity("1e-2147483648").value == Decimal("1e-9")


def test_whitespace_hint():
    with pytest.raises(KataNodeError, match="remove the surrounding whitespace"):
        parse_quantity(" 512Mi ")


@pytest.mark.parametrize(
    "value, expect, fmt",
    [
        (2, Decimal(2), "DecimalSI"),
        (-7, Decimal(-7), "DecimalSI"),
        (Decimal("1.5"), Decimal("1.5"), "DecimalSI"),
        (Decimal("1E+3"), Decimal(1000), "DecimalSI"),
        (0.1, Decimal("0.1"), "DecimalSI"),  # shortest repr, not the binary expansion
        (1e-05, Decimal("0.00001"), "DecimalSI"),
        (1.5e-10, Decimal("1e-9"), "DecimalSI"),  # rounded up to a nano
        (2.0, Decimal(2), "DecimalSI"),
    ],
)
def test_numbers_parse_like_bare_yaml_numbers(value, expect, fmt):
    q = parse_quantity(value)
    assert (q.value, q.format) == (expect, fmt)


class _TaggedStr(str):
    """Stands in for the tagged str subclasses templating hands to plugins."""


class _TaggedInt(int):
    pass


def test_str_and_int_subclasses():
    assert parse_quantity(_TaggedStr("1.5Gi")).value == 1610612736
    assert parse_quantity(_TaggedInt(4)).value == 4
    assert format_quantity(_TaggedInt(1024)) == "1Ki"
    assert format_quantity(_TaggedStr("1.5Gi")) == "1536Mi"


@pytest.mark.parametrize("value", [True, False, None, [1], {"a": 1}, b"1", float("nan"), float("inf"),
                                   Decimal("NaN"), Decimal("-Infinity")])
def test_other_types_are_refused(value):
    with pytest.raises(KataNodeError) as info:
        parse_quantity(value, field="memory")
    assert str(info.value).startswith("memory")


def test_digit_limit():
    with pytest.raises(KataNodeError, match="more than 4000 digits"):
        parse_quantity("1" * 4001)
    assert parse_quantity("1" * 4000).value == int("1" * 4000)


# ---------------------------------------------------------------- Quantity

def test_quantity_construction_applies_upstream_rules():
    assert Quantity(Decimal("3.0000000001")).value == Decimal("3.000000001")
    assert Quantity(Decimal("-0.0000000001")).value == Decimal("-1e-9")
    assert Quantity(Decimal(2 ** 64), "BinarySI").value == CAP
    assert Quantity(Decimal("-1e30"), "BinarySI").value == -CAP
    half = Quantity(Decimal("0.5"), "BinarySI")
    assert (half.value, half.format) == (Decimal("0.5"), "DecimalSI")
    assert Quantity(5).value == 5
    assert Quantity(Decimal("1.50")) == Quantity(Decimal("1.5"))
    assert Quantity(Decimal("-0")).value.is_signed() is False


@pytest.mark.parametrize("fmt", ["binary", "", None, "decimalsi"])
def test_quantity_rejects_unknown_format(fmt):
    with pytest.raises(KataNodeError, match="BinarySI, DecimalSI, DecimalExponent"):
        Quantity(Decimal(1), fmt)


@pytest.mark.parametrize("value", [1.5, "1", True, None])
def test_quantity_rejects_non_decimal_values(value):
    with pytest.raises(KataNodeError, match="parse_quantity"):
        Quantity(value)


@pytest.mark.parametrize(
    "text, int_value, milli_value",
    [
        ("1.5", 2, 1500),
        ("100m", 1, 100),
        ("0.5m", 1, 1),
        ("1n", 1, 1),
        ("2", 2, 2000),
        ("1.5Gi", 1610612736, 1610612736000),
        ("-1.5", -1, -1500),
        ("-0.5m", 0, 0),
        ("0", 0, 0),
    ],
)
def test_int_and_milli_values(text, int_value, milli_value):
    q = parse_quantity(text)
    assert q.int_value() == int_value
    assert q.milli_value() == milli_value


def test_int_value_refuses_absurd_magnitudes():
    with pytest.raises(KataNodeError, match="too large"):
        parse_quantity("1e5000").int_value()


def test_quantity_ratio():
    assert quantity_ratio(parse_quantity("1.5Gi"), parse_quantity("1Mi")) == 1536
    assert quantity_ratio(parse_quantity("250m"), parse_quantity("1")) == Fraction(1, 4)
    with pytest.raises(KataNodeError, match="must not be zero"):
        quantity_ratio(parse_quantity("1"), parse_quantity("0"))


# --------------------------------------------------------------- formatting

@pytest.mark.parametrize(
    "value, kind, expect",
    [
        (1610612736, "binary", "1536Mi"),
        (1.5, "decimal", "1500m"),
        (0.5, "binary", "500m"),
        (0, "binary", "0"),
        (536870912, "binary", "512Mi"),
        (100000000, "decimal", "100M"),
        (100000000, "binary", "100000000"),
        (123456, "exponent", "123456"),
        (123000, "exponent", "123e3"),
        (Decimal("0.25"), "decimal", "250m"),
        (-2147483648, "binary", "-2Gi"),
        ("1610612736", "binary", "1536Mi"),
        ("1.5Gi", "decimal", "1610612736"),
        ("250m", "binary", "250m"),
        (1e-10, "decimal", "1n"),  # rounded up to a nano like any quantity
        (10 ** 21, "decimal", "1e21"),
        (CAP, "binary", "9223372036854775807"),
    ],
)
def test_format_quantity(value, kind, expect):
    assert format_quantity(value, kind) == expect


def test_format_quantity_default_is_binary():
    assert format_quantity(2 ** 30) == "1Gi"


@pytest.mark.parametrize("kind", ["Binary", "si", "", None, "BinarySI"])
def test_format_quantity_unknown_kind(kind):
    with pytest.raises(KataNodeError) as info:
        format_quantity(1, kind)
    assert "binary, decimal, exponent" in str(info.value)


def test_format_quantity_binary_range():
    with pytest.raises(KataNodeError, match="unit_kind='decimal'"):
        format_quantity(2 ** 63, "binary", field="memory")
    assert format_quantity(2 ** 63, "decimal") == "9223372036854775808"


@pytest.mark.parametrize("value", [True, None, [1], "1 Gi", "lots"])
def test_format_quantity_bad_values(value):
    with pytest.raises(KataNodeError) as info:
        format_quantity(value, field="memory")
    assert str(info.value).startswith("memory")


# ----------------------------------------------------------- property tests

# Amounts a quantity can hold exactly: multiples of 1e-9.
nano_amounts = st.builds(
    lambda units, shift: Decimal(units).scaleb(-9 + shift),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.integers(min_value=0, max_value=15),
)
binary_amounts = st.one_of(
    st.integers(min_value=-CAP, max_value=CAP).map(Decimal),
    st.builds(lambda m, k: Decimal(m * 1024 ** k), st.integers(-1023, 1023), st.integers(0, 6)).filter(
        lambda amount: abs(amount) <= CAP),
    st.integers(min_value=-(10 ** 18), max_value=10 ** 18).map(lambda units: Decimal(units).scaleb(-9)),
)


@settings(max_examples=300)
@given(nano_amounts, st.sampled_from(["decimal", "exponent"]))
def test_format_then_parse_keeps_the_value_decimal(amount, kind):
    text = format_quantity(amount, kind)
    assert parse_quantity(text).value == amount


@settings(max_examples=300)
@given(binary_amounts)
def test_format_then_parse_keeps_the_value_binary(amount):
    text = format_quantity(amount, "binary")
    assert parse_quantity(text).value == amount
    whole = amount == amount.to_integral_value()
    if abs(amount) >= 1024 and whole:
        assert re.fullmatch(r"-?[1-9][0-9]*([KMGTPE]i)?", text)
    else:
        assert "i" not in text  # below 1Ki or not whole: decimal SI


digits = st.text(alphabet="0123456789", max_size=22)
suffixes = st.sampled_from(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"])
exponents = st.builds(lambda letter, sign, n: letter + sign + str(n),
                      st.sampled_from("eE"), st.sampled_from(["", "+", "-"]), st.integers(0, 40))
quantity_texts = st.builds(
    lambda sign, whole, point, frac, suffix: sign + whole + point + frac + suffix,
    st.sampled_from(["", "+", "-"]),
    digits,
    st.sampled_from(["", "."]),
    digits,
    st.one_of(suffixes, exponents),
).filter(lambda text: any(c.isdigit() for c in text.split("e")[0].split("E")[0]))


@settings(max_examples=400)
@given(quantity_texts)
def test_canonical_parses_back_to_the_same_value(text):
    q = parse_quantity(text)
    again = parse_quantity(q.canonical())
    assert again.value == q.value
    # the canonical form is a fixed point of its format
    assert Quantity(again.value, q.format).canonical() == q.canonical()
    if q.format != "BinarySI":
        # in the decimal families the string alone is enough: a whole binary
        # amount such as 10000 ("10000") reads back as decimal SI ("10k")
        assert again.canonical() == q.canonical()


@settings(max_examples=300)
@given(nano_amounts, st.sampled_from(FORMATS))
def test_canonical_of_any_quantity_is_a_fixed_point(amount, fmt):
    assume(fmt != "BinarySI" or abs(amount) <= CAP)
    q = Quantity(amount, fmt)
    again = parse_quantity(q.canonical())
    assert again.value == q.value
    assert Quantity(again.value, q.format).canonical() == q.canonical()
    if q.format != "BinarySI":
        assert again.canonical() == q.canonical()
    assert re.fullmatch(r"-?[1-9][0-9]*([numkMGTPE]|[KMGTPE]i|e-?[0-9]+)?|0", q.canonical())


@settings(max_examples=300)
@given(quantity_texts)
def test_int_and_milli_values_are_ceilings(text):
    q = parse_quantity(text)
    exact = Fraction(q.value)
    assert q.int_value() == math.ceil(exact)
    assert q.milli_value() == math.ceil(exact * 1000)
    assert q.int_value() - 1 < exact <= q.int_value()


@settings(max_examples=500)
@given(st.text(alphabet="0123456789.+-eEinumkKMGTP x,", max_size=12))
def test_any_text_parses_or_fails_cleanly(text):
    try:
        q = parse_quantity(text)
    except KataNodeError as exc:
        message = str(exc)
        assert any(reason in message for reason in (REGEX_REASON, SUFFIX_REASON, NUMERIC_REASON))
    else:
        assert parse_quantity(q.canonical()).value == q.value


def test_whole_binary_amount_without_suffix_reads_back_as_decimal():
    # 9.765625Ki is exactly 10000: no whole Ki, so it prints as "10000", which
    # is a decimal-SI spelling; read back, the same amount prints as "10k".
    q = parse_quantity("9.765625Ki")
    assert (q.value, q.format, q.canonical()) == (10000, "BinarySI", "10000")
    again = parse_quantity(q.canonical())
    assert (again.value, again.format, again.canonical()) == (10000, "DecimalSI", "10k")
