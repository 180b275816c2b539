# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cases ported from the Kubernetes API machinery's quantity tests.

Source: kubernetes/apimachinery, pkg/api/resource/quantity_test.go
(commit 02f7088a48902f112f0986b220fa7e557b71a628 unless a case says otherwise).
The upstream tests inspect Go internals (int64 versus big-decimal storage,
cached strings); here each case checks what a user can observe: the exact
value, the format family and the canonical string.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError
from ansible_collections.kata.node.plugins.module_utils.quantity import (
    Quantity,
    _scan,
    format_quantity,
    parse_quantity,
)

BIN = "BinarySI"
DEC = "DecimalSI"
EXP = "DecimalExponent"
CAP = str(2 ** 63 - 1)
KI, MI, GI, TI, PI, EI = (1024 ** n for n in range(1, 7))

# TestQuantityParse, valid table: input, exact value, format.
PARSE_VALID = [
    ("0", "0", DEC),
    ("0n", "0", DEC),
    ("0u", "0", DEC),
    ("0m", "0", DEC),
    ("0Ki", "0", BIN),
    ("0k", "0", DEC),
    ("0Mi", "0", BIN),
    ("0M", "0", DEC),
    ("0Gi", "0", BIN),
    ("0G", "0", DEC),
    ("0Ti", "0", BIN),
    ("0T", "0", DEC),
    # a number without a suffix
    ("1", "1", DEC),
    # binary suffixes
    ("1Ki", str(KI), BIN),
    ("8Ki", str(8 * KI), BIN),
    ("7Mi", str(7 * MI), BIN),
    ("6Gi", str(6 * GI), BIN),
    ("5Ti", str(5 * TI), BIN),
    ("4Pi", str(4 * PI), BIN),
    ("3Ei", str(3 * EI), BIN),
    ("10Ti", str(10 * TI), BIN),
    ("100Ti", str(100 * TI), BIN),
    # decimal suffixes
    ("5n", "5e-9", DEC),
    ("4u", "4e-6", DEC),
    ("3m", "3e-3", DEC),
    ("9", "9", DEC),
    ("8k", "8e3", DEC),
    ("50k", "5e4", DEC),
    ("7M", "7e6", DEC),
    ("6G", "6e9", DEC),
    ("5T", "5e12", DEC),
    ("40T", "4e13", DEC),
    ("300T", "3e14", DEC),
    ("2P", "2e15", DEC),
    ("1E", "1e18", DEC),
    # decimal exponents
    ("1E-3", "1e-3", EXP),
    ("1e3", "1e3", EXP),
    ("1E6", "1e6", EXP),
    ("1e9", "1e9", EXP),
    ("1E12", "1e12", EXP),
    ("1e15", "1e15", EXP),
    ("1E18", "1e18", EXP),
    # unusual but accepted
    ("1e14", "1e14", EXP),
    ("1e13", "1e13", EXP),
    ("1e3", "1e3", EXP),
    ("100.035k", "100035", DEC),
    # fractions
    ("0.001", "1e-3", DEC),
    ("0.0005k", "5e-1", DEC),
    ("0.005", "5e-3", DEC),
    ("0.05", "5e-2", DEC),
    ("0.5", "5e-1", DEC),
    ("0.00050k", "5e-1", DEC),
    ("0.00500", "5e-3", DEC),
    ("0.05000", "5e-2", DEC),
    ("0.50000", "5e-1", DEC),
    ("0.5e0", "5e-1", EXP),
    ("0.5e-1", "5e-2", EXP),
    ("0.5e-2", "5e-3", EXP),
    ("0.5e0", "5e-1", EXP),
    ("10.035M", "10035e3", DEC),
    ("1.2e3", "12e2", EXP),
    ("1.3E+6", "13e5", EXP),
    ("1.40e9", "14e8", EXP),
    ("1.53E12", "153e10", EXP),
    ("1.6e15", "16e14", EXP),
    ("1.7E18", "17e17", EXP),
    ("9.01", "901e-2", DEC),
    ("8.1k", "81e2", DEC),
    ("7.123456M", "7123456", DEC),
    ("6.987654321G", "6987654321", DEC),
    ("5.444T", "5444e9", DEC),
    ("40.1T", "401e11", DEC),
    ("300.2T", "3002e11", DEC),
    ("2.5P", "25e14", DEC),
    ("1.01E", "101e16", DEC),
    # rounding up to a nano, and the binary cap
    ("3.001n", "4e-9", DEC),
    ("1.1E-9", "2e-9", EXP),
    ("0.0000000001", "1e-9", DEC),
    ("0.0000000005", "1e-9", DEC),
    ("0.00000000050", "1e-9", DEC),
    ("0.5e-9", "1e-9", EXP),
    ("0.9n", "1e-9", DEC),
    ("0.00000012345", "124e-9", DEC),
    ("0.00000012354", "124e-9", DEC),
    ("9Ei", CAP, BIN),
    ("9223372036854775807Ki", CAP, BIN),
    ("12E", "12e18", DEC),
    # fractional binary amounts
    ("100.035Ki", "10243584e-2", BIN),
    ("0.5Mi", str(MI // 2), BIN),
    ("0.05Gi", "536870912e-1", BIN),
    ("0.025Ti", "274877906944e-1", BIN),
    # odd spellings
    ("0.000000000001Ki", "2e-9", DEC),  # rounds up and leaves the binary family
    (".001", "1e-3", DEC),
    (".0001k", "100e-3", DEC),
    ("1.", "1", DEC),
    ("1.G", "1e9", DEC),
]

# TestQuantityParse, invalid list (the last two: surrounding whitespace).
PARSE_INVALID = ["1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 "]


def test_upstream_table_sizes():
    # The upstream valid table has 96 rows and the invalid list 11.
    assert (len(PARSE_VALID), len(PARSE_INVALID)) == (96, 11)


@pytest.mark.parametrize("text, value, fmt", PARSE_VALID)
def test_parse_valid(text, value, fmt):
    # TestQuantityParse: value and format of each valid input.
    q = parse_quantity(text)
    assert q.value == Decimal(value)
    assert q.format == fmt


@pytest.mark.parametrize("text, value, fmt", PARSE_VALID)
def test_parse_valid_with_sign(text, value, fmt):
    # TestQuantityParse: "-" negates the value and "+" keeps it; format unchanged.
    negative = parse_quantity("-" + text)
    positive = parse_quantity("+" + text)
    assert negative.value == -Decimal(value)
    assert positive.value == Decimal(value)
    assert negative.format == fmt
    assert positive.format == fmt


@pytest.mark.parametrize("text, value, fmt", PARSE_VALID)
def test_parse_valid_value_round_trips_through_every_format(text, value, fmt):
    # TestQuantityParse: a parsed amount rebuilt as a quantity of any format is equal.
    q = parse_quantity(text)
    for other in (DEC, EXP, BIN):
        if other == BIN and abs(q.value) > 2 ** 63 - 1:
            continue  # a binary-SI quantity cannot hold more than 2**63 - 1
        assert Quantity(q.value, other).value == q.value


@pytest.mark.parametrize("text, value, fmt", PARSE_VALID)
def test_parse_valid_rebuilt_from_scanned_parts(text, value, fmt):
    # TestQuantityParse: sign + digits + "." + fraction + suffix parses to the same amount.
    negative, num, frac, suffix, _number = _scan(text)
    rebuilt = ("-" if negative else "") + num + ("." + frac if frac else "") + suffix
    assert parse_quantity(rebuilt).value == parse_quantity(text).value


@pytest.mark.parametrize("text", PARSE_INVALID)
def test_parse_invalid(text):
    # TestQuantityParse: invalid inputs are refused.
    with pytest.raises(KataNodeError):
        parse_quantity(text)


def test_parse_empty_is_invalid():
    # TestQuantityParse: the empty string is an error.
    with pytest.raises(KataNodeError, match="must match the regular expression"):
        parse_quantity("")


# TestParseQuantityString: input -> negative, number text, integer digits, fraction digits, suffix.
SCAN_CASES = [
    ("0.025Ti", False, "0.025", "0", "025", "Ti"),
    ("1.025Ti", False, "1.025", "1", "025", "Ti"),
    ("-1.025Ti", True, "-1.025", "1", "025", "Ti"),
    (".", False, ".", "0", "", ""),
    ("-.", True, "-.", "0", "", ""),
    ("1E-3", False, "1", "1", "", "E-3"),
]


@pytest.mark.parametrize("text, negative, number, num, frac, suffix", SCAN_CASES)
def test_scan_parts(text, negative, number, num, frac, suffix):
    # TestParseQuantityString: how the scanner splits a quantity.
    assert _scan(text) == (negative, num, frac, suffix, number)


@pytest.mark.parametrize(
    "text, value, canonical",
    [("0.025Ti", "27487790694.4", "27487790694400m"), ("-1.025Ti", "-1126999418470.4", "-1126999418470400m"),
     (".", "0", "0"), ("-.", "0", "0"), ("1E-3", "0.001", "1e-3")],
)
def test_scan_cases_observable(text, value, canonical):
    # TestParseQuantityString, observable side: value and canonical string.
    q = parse_quantity(text)
    assert (q.value, q.canonical()) == (Decimal(value), canonical)


# TestQuantityString: (value, format) -> canonical, plus an alternate spelling
# that must parse back to the same canonical string.
STRING_CASES = [
    (str(GI), BIN, "1Gi", "1024Mi"),
    (str(300 * MI), BIN, "300Mi", "307200Ki"),
    (str(6 * KI), BIN, "6Ki", ""),
    (str(1001 * GI), BIN, "1001Gi", "1025024Mi"),
    (str(TI), BIN, "1Ti", "1024Gi"),
    ("5", BIN, "5", "5000m"),
    ("500e-3", BIN, "500m", "0.5"),
    ("1e9", DEC, "1G", "1000M"),
    ("1000e6", DEC, "1G", "0.001T"),
    ("1000000e3", DEC, "1G", ""),
    ("1000000000", DEC, "1G", ""),
    ("1e-3", DEC, "1m", "1000u"),
    ("80e-3", DEC, "80m", ""),
    ("1080e-3", DEC, "1080m", "1.08"),
    ("108e-2", DEC, "1080m", "1080000000n"),
    ("10800e-4", DEC, "1080m", ""),
    ("300e6", DEC, "300M", ""),
    ("1e12", DEC, "1T", ""),
    ("1234567e6", DEC, "1234567M", ""),
    ("1234567e-3", BIN, "1234567m", ""),
    ("3e3", DEC, "3k", ""),
    ("1025", BIN, "1025", ""),
    ("0", DEC, "0", ""),
    ("0", BIN, "0", ""),
    ("1e9", EXP, "1e9", ".001e12"),
    ("1e-3", EXP, "1e-3", "0.001e0"),
    ("1e-9", EXP, "1e-9", "1000e-12"),
    ("80e-3", EXP, "80e-3", ""),
    ("300e6", EXP, "300e6", ""),
    ("1e12", EXP, "1e12", ""),
    ("1e3", EXP, "1e3", ""),
    ("3e3", EXP, "3e3", ""),
    ("3e3", DEC, "3k", ""),
    ("0", EXP, "0", "00"),
    ("1e-9", DEC, "1n", ""),
    ("80e-9", DEC, "80n", ""),
    ("1080e-9", DEC, "1080n", ""),
    ("108e-8", DEC, "1080n", ""),
    ("10800e-10", DEC, "1080n", ""),
    ("1e-6", DEC, "1u", ""),
    ("80e-6", DEC, "80u", ""),
    ("1080e-6", DEC, "1080u", ""),
    # Later upstream revisions (DecimalSI has no suffix above E): beyond 10**18
    # the canonical form switches to an exponent instead of dropping magnitude.
    ("1e18", DEC, "1E", ""),
    ("1e21", DEC, "1e21", "1000E"),
    ("5e21", DEC, "5e21", "5000E"),
    ("1e24", DEC, "1e24", "1000000E"),
]


@pytest.mark.parametrize("value, fmt, expect, alternate", STRING_CASES)
def test_quantity_string(value, fmt, expect, alternate):
    # TestQuantityString: canonical form, its parse, and the alternate spelling.
    assert Quantity(Decimal(value), fmt).canonical() == expect
    assert parse_quantity(expect).canonical() == expect
    assert parse_quantity(expect).value == Decimal(value)
    if alternate:
        assert parse_quantity(alternate).canonical() == expect


@pytest.mark.parametrize("value, fmt, expect, alternate", STRING_CASES)
def test_quantity_string_negative(value, fmt, expect, alternate):
    # TestQuantityString: the negated amount prints with a leading "-" (zero never as "-0").
    q = Quantity(-Decimal(value), fmt)
    assert q.canonical() == (expect if Decimal(value) == 0 else "-" + expect)


# TestQuantityParseEmit: input -> canonical string.
PARSE_EMIT = [
    ("1Ki", "1Ki"),
    ("1Mi", "1Mi"),
    ("1Gi", "1Gi"),
    ("1024Mi", "1Gi"),
    ("1000M", "1G"),
    (".001Ki", "1024m"),
    (".000001Ki", "1024u"),
    (".000000001Ki", "1024n"),
    (".000000000001Ki", "2n"),
]


@pytest.mark.parametrize("text, expect", PARSE_EMIT)
def test_parse_emit(text, expect):
    # TestQuantityParseEmit
    assert parse_quantity(text).canonical() == expect
    assert parse_quantity("-" + text).canonical() == "-" + expect


def test_parse_zero():
    # TestQuantityParseZero
    assert parse_quantity("0").canonical() == "0"


# TestJSONWhitespace: the JSON decoder trims spaces before parsing; the parser
# itself refuses them, and bare numbers are accepted.
@pytest.mark.parametrize("text", [" 1", "1 ", " -1", "\t1", "1\n"])
def test_parse_rejects_surrounding_whitespace(text):
    with pytest.raises(KataNodeError, match="whitespace"):
        parse_quantity(text)
    assert parse_quantity(text.strip()).canonical() == text.strip()


@pytest.mark.parametrize("number, expect", [(1, "1"), (10, "10"), (-1, "-1")])
def test_bare_numbers(number, expect):
    # TestJSONWhitespace: bare JSON/YAML numbers
    assert parse_quantity(number).canonical() == expect


# TestParseQuantity (int64 boundaries): input, exact value, canonical string
# (None: the input is already canonical).
BOUNDARIES = [
    ("-999999999999999999", "-999999999999999999", None),
    ("999999999999999999", "999999999999999999", None),
    ("-999999999999999999.0", "-999999999999999999", "-999999999999999999"),
    ("999999999999999999.0", "999999999999999999", "999999999999999999"),
    ("-999999999999999999.1", "-999999999999999999.1", "-999999999999999999100m"),
    ("999999999999999999.1", "999999999999999999.1", "999999999999999999100m"),
    ("-9999999999999999999", "-9999999999999999999", None),
    ("9999999999999999999", "9999999999999999999", None),
    ("-1E", "-1000000000000000000", None),
    ("1E", "1000000000000000000", None),
    ("-1000000000000000000", "-1000000000000000000", "-1E"),
    ("1000000000000000000", "1000000000000000000", "1E"),
    ("-9999999999999999999.0", "-9999999999999999999", "-9999999999999999999"),
    ("9999999999999999999.0", "9999999999999999999", "9999999999999999999"),
    ("-1.0E", "-1000000000000000000", "-1E"),
    ("1.0E", "1000000000000000000", "1E"),
    ("-1000000000000000000.0", "-1000000000000000000", "-1E"),
    ("1000000000000000000.0", "1000000000000000000", "1E"),
    ("-9999999999999999999000m", "-9999999999999999999", "-9999999999999999999"),
    ("9999999999999999999000m", "9999999999999999999", "9999999999999999999"),
    ("-9999999999999999999.1", "-9999999999999999999.1", "-9999999999999999999100m"),
    ("9999999999999999999.1", "9999999999999999999.1", "9999999999999999999100m"),
    ("-1.0000000000000000001E", "-1000000000000000000.1", "-1000000000000000000100m"),
    ("1.0000000000000000001E", "1000000000000000000.1", "1000000000000000000100m"),
    ("-1000000000000000000.1", "-1000000000000000000.1", "-1000000000000000000100m"),
    ("1000000000000000000.1", "1000000000000000000.1", "1000000000000000000100m"),
    ("-1.000000000000000001E", "-1000000000000000001", "-1000000000000000001"),
    ("1.000000000000000001E", "1000000000000000001", "1000000000000000001"),
    ("-1000000000000000001", "-1000000000000000001", None),
    ("1000000000000000001", "1000000000000000001", None),
    ("-10E", "-10000000000000000000", None),
    ("10E", "10000000000000000000", None),
    ("-10000000000000000000", "-10000000000000000000", "-10E"),
    ("10000000000000000000", "10000000000000000000", "10E"),
    ("-10.0E", "-10000000000000000000", "-10E"),
    ("10.0E", "10000000000000000000", "10E"),
    ("-10000000000000000000.0", "-10000000000000000000", "-10E"),
    ("10000000000000000000.0", "10000000000000000000", "10E"),
    ("-10000000000000000000000m", "-10000000000000000000", "-10E"),
    ("10000000000000000000000m", "10000000000000000000", "10E"),
    ("-10.0000000000000000001E", "-10000000000000000000.1", "-10000000000000000000100m"),
    ("10.0000000000000000001E", "10000000000000000000.1", "10000000000000000000100m"),
    ("-10000000000000000000.1", "-10000000000000000000.1", "-10000000000000000000100m"),
    ("10000000000000000000.1", "10000000000000000000.1", "10000000000000000000100m"),
    ("-10.000000000000000001E", "-10000000000000000001", "-10000000000000000001"),
    ("10.000000000000000001E", "10000000000000000001", "10000000000000000001"),
    ("-10000000000000000001", "-10000000000000000001", None),
    ("10000000000000000001", "10000000000000000001", None),
    ("-9223372036854775809", "-9223372036854775809", None),
    ("9223372036854775806", "9223372036854775806", None),
    ("-9223372036854775809.0", "-9223372036854775809", "-9223372036854775809"),
    ("9223372036854775806.0", "9223372036854775806", "9223372036854775806"),
    ("-9223372036854775809000m", "-9223372036854775809", "-9223372036854775809"),
    ("9223372036854775806000m", "9223372036854775806", "9223372036854775806"),
    ("-9223372036854775809.1", "-9223372036854775809.1", "-9223372036854775809100m"),
    ("9223372036854775806.1", "9223372036854775806.1", "9223372036854775806100m"),
    ("-9223372036854775808", "-9223372036854775808", None),
    ("9223372036854775807", "9223372036854775807", None),
    ("-9223372036854775808.0", "-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807.0", "9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808000m", "-9223372036854775808", "-9223372036854775808"),
    ("9223372036854775807000m", "9223372036854775807", "9223372036854775807"),
    ("-9223372036854775808.1", "-9223372036854775808.1", "-9223372036854775808100m"),
    ("9223372036854775807.1", "9223372036854775807.1", "9223372036854775807100m"),
    ("-9223372036854775807", "-9223372036854775807", None),
    ("9223372036854775808", "9223372036854775808", None),
    ("-9223372036854775807.0", "-9223372036854775807", "-9223372036854775807"),
    ("9223372036854775808.0", "9223372036854775808", "9223372036854775808"),
    ("-9223372036854775807000m", "-9223372036854775807", "-9223372036854775807"),
    ("9223372036854775808000m", "9223372036854775808", "9223372036854775808"),
    ("-9223372036854775807.1", "-9223372036854775807.1", "-9223372036854775807100m"),
    ("9223372036854775808.1", "9223372036854775808.1", "9223372036854775808100m"),
]


@pytest.mark.parametrize("text, value, canonical", BOUNDARIES)
def test_int64_boundaries(text, value, canonical):
    # TestParseQuantity: decimal amounts are not capped at int64 and keep every digit.
    q = parse_quantity(text)
    assert q.value == Decimal(value)
    assert q.canonical() == (canonical or text)


# TestNewSet / TestMilliNewSet / TestNewScaledSet: building a quantity from a
# number in a given family (here: format_quantity).
@pytest.mark.parametrize(
    "value, kind, expect",
    [
        (1, "decimal", "1"),
        (1000, "decimal", "1k"),
        (1234000, "decimal", "1234k"),
        (1024, "binary", "1Ki"),
        (1000000, "exponent", "1e6"),
        (1024 * 1024, "binary", "1Mi"),
        (Decimal("0.001"), "decimal", "1m"),
        (Decimal("1.234"), "decimal", "1234m"),
        (Decimal("1.024"), "binary", "1024m"),  # below 1Ki: leaves the binary family
        (Decimal("1000"), "exponent", "1e3"),
        (Decimal("1048.576"), "binary", "1048576m"),
        (Decimal("1e-9"), "decimal", "1n"),
        (Decimal("1e-6"), "decimal", "1u"),
        (Decimal("1e-3"), "decimal", "1m"),
    ],
)
def test_new_set(value, kind, expect):
    assert format_quantity(value, kind) == expect
    assert parse_quantity(expect).value == Decimal(value)
