# Copyright: kata.node contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes resource quantities, parsed and printed exactly as the API server does.

A quantity is a signed decimal number followed by an optional suffix::

    number  = digits | digits "." digits | digits "." | "." digits
    signed  = number | ("+" | "-") number
    suffix  = binary SI:  Ki Mi Gi Ti Pi Ei            (powers of 1024)
            | decimal SI: n u m "" k M G T P E        (powers of 1000)
            | exponent:   ("e" | "E") signed integer  (powers of 10)

The behaviour below follows the Kubernetes API machinery (package
``k8s.io/apimachinery/pkg/api/resource``), including its odd corners:

* the scan is lenient about the number: ``"+"``, ``"-"``, ``"."`` and ``"e3"``
  all parse as zero, and ``"1."`` or ``"1.G"`` are valid;
* a bare ``E`` is the exa suffix, ``E`` or ``e`` followed by digits is an
  exponent (``1E3`` is 1000);
* values are kept exactly, but anything finer than 1e-9 is rounded *away from
  zero* to the next multiple of 1e-9 (``3.001n`` is ``4n``);
* binary-SI values are capped at 2**63 - 1 in magnitude (``9Ei`` parses as
  9223372036854775807), and a binary-SI value between 0 and 1 becomes decimal
  SI (``0.000000000001Ki`` is ``2n``);
* the canonical form uses the largest suffix of the value's family that leaves
  no fractional digits (``1.5Gi`` is ``1536Mi``, ``1.5`` is ``1500m``).

Two deliberate choices where the API machinery's output is not a faithful
rendering of the value:

* A decimal-SI value whose canonical exponent is above 18 has no suffix; it is
  printed with an exponent (``1000E`` is ``1e21``) instead of dropping the
  magnitude.
* Exponents outside the 32-bit range are refused instead of wrapping around.

All arithmetic is exact: values are built from integers and
``decimal.Decimal`` tuples, never through the global decimal context.
"""

from __future__ import annotations

import decimal
import functools
import fractions
import math
from dataclasses import dataclass

from ansible_collections.kata.node.plugins.module_utils.errors import KataNodeError

__all__ = [
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "DECIMAL_SI",
    "FORMATS",
    "Quantity",
    "UNIT_KINDS",
    "format_quantity",
    "parse_quantity",
    "quantity_ratio",
]

BINARY_SI = "BinarySI"
DECIMAL_SI = "DecimalSI"
DECIMAL_EXPONENT = "DecimalExponent"
FORMATS = (BINARY_SI, DECIMAL_SI, DECIMAL_EXPONENT)

# unit_kind accepted by format_quantity -> Quantity format
UNIT_KINDS = {"binary": BINARY_SI, "decimal": DECIMAL_SI, "exponent": DECIMAL_EXPONENT}

# The pre-check pattern the API server quotes when a quantity is malformed.
_UPSTREAM_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_REASON_FORMAT = "quantities must match the regular expression '%s'" % _UPSTREAM_PATTERN
_REASON_SUFFIX = "unable to parse quantity's suffix"
_REASON_NUMERIC = "unable to parse numeric part of quantity"
_HINT = "use a form like 512Mi, 1.5Gi, 250m or 2"

_DIGITS = frozenset("0123456789")
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")

# suffix -> power of ten (decimal SI)
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
# suffix -> power of two (binary SI)
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {power: name for name, power in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_STEP = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")  # index = power of 1024

_BINARY_CAP = 2 ** 63 - 1
_NANO_EXPONENT = -9
_INT32_MIN = -(2 ** 31)
_INT32_MAX = 2 ** 31 - 1
# Longest digit string handled (Python refuses int() of very long strings).
_MAX_DIGITS = 4000


# --------------------------------------------------------------------------
# Exact helpers on (sign, coefficient, exponent) triples
# --------------------------------------------------------------------------

def _split(value):
    """Return (negative, coefficient, exponent) of a finite Decimal, exactly."""
    sign, digits, exponent = value.as_tuple()
    coefficient = int("".join(str(d) for d in digits)) if digits else 0
    return bool(sign), coefficient, exponent


def _build(negative, coefficient, exponent):
    """Exact Decimal from its parts; zero is always plain ``Decimal(0)``."""
    if coefficient == 0:
        return decimal.Decimal(0)
    # Keep whole numbers of sane size in integer form (Decimal('1536'), not
    # Decimal('1.536E+3')), so that str() of a value reads naturally.
    if 0 < exponent <= 64:
        coefficient *= 10 ** exponent
        exponent = 0
    while exponent < 0 and coefficient % 10 == 0:
        coefficient //= 10
        exponent += 1
    digits = tuple(int(c) for c in str(coefficient))
    return decimal.Decimal((1 if negative else 0, digits, exponent))


def _strip_tens(coefficient, exponent):
    """Move the factors of ten of a positive coefficient into the exponent."""
    if coefficient:
        while coefficient % 10 == 0:
            coefficient //= 10
            exponent += 1
    return coefficient, exponent


def _ceil_div(numerator, denominator):
    """Ceiling of numerator / denominator for a positive denominator."""
    return -((-numerator) // denominator)


def _scaled_ceiling(value, power):
    """ceil(value * 10**power) as an int, computed exactly."""
    negative, coefficient, exponent = _split(value)
    if negative:
        coefficient = -coefficient
    shift = exponent + power
    if coefficient and shift > _MAX_DIGITS:
        raise KataNodeError(
            "quantity %s is too large to count in whole units; use a value below 1e%d." % (value, _MAX_DIGITS)
        )
    if shift >= 0:
        return coefficient * 10 ** shift
    return _ceil_div(coefficient, 10 ** (-shift))


def _normalize(negative, coefficient, exponent, fmt):
    """Apply the API server's post-parse rules and return (value, format).

    Rounds a non-zero magnitude up to the next multiple of 1e-9, caps binary-SI
    magnitudes at 2**63 - 1, and turns a binary-SI magnitude below 1 into
    decimal SI.
    """
    if coefficient and exponent < _NANO_EXPONENT:
        drop = _NANO_EXPONENT - exponent
        if drop > len(str(coefficient)):
            coefficient = 1  # far below a nano: the smallest non-zero amount
        else:
            coefficient = _ceil_div(coefficient, 10 ** drop)
        exponent = _NANO_EXPONENT
    if fmt == BINARY_SI and coefficient:
        if exponent >= 0:
            too_big = exponent > 19 or coefficient * 10 ** exponent > _BINARY_CAP
        else:
            too_big = coefficient > _BINARY_CAP * 10 ** (-exponent)
        if too_big:
            coefficient, exponent = _BINARY_CAP, 0
        elif exponent < 0 and coefficient < 10 ** (-exponent):
            fmt = DECIMAL_SI
    return _build(negative, coefficient, exponent), fmt


# --------------------------------------------------------------------------
# The quantity value object
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    """An exact Kubernetes quantity.

    ``value`` is the amount after the API server's rounding (up to a multiple
    of 1e-9, binary SI capped at 2**63 - 1); ``format`` is ``"BinarySI"``,
    ``"DecimalSI"`` or ``"DecimalExponent"`` and selects the family of the
    canonical string. Constructing one directly applies the same rules, so a
    Quantity always holds a value the API server could hold.
    """

    value: decimal.Decimal
    format: str = DECIMAL_SI

    def __post_init__(self):
        fmt = self.format
        if not isinstance(fmt, str) or fmt not in FORMATS:
            raise KataNodeError(
                "Quantity format %r is not known; use one of %s." % (fmt, ", ".join(FORMATS))
            )
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, decimal.Decimal)):
            raise KataNodeError(
                "Quantity value must be an int or a decimal.Decimal, not %s; "
                "use parse_quantity() to read other input." % type(value).__name__
            )
        if isinstance(value, int):
            value = decimal.Decimal(int(value))
        if not value.is_finite():
            raise KataNodeError("Quantity value %s is not a finite number; use a finite amount." % value)
        if len(value.as_tuple().digits) > _MAX_DIGITS:
            raise KataNodeError("Quantity value has more than %d digits; use a shorter amount." % _MAX_DIGITS)
        negative, coefficient, exponent = _split(value)
        value, fmt = _normalize(negative, coefficient, exponent, str(fmt))
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "format", fmt)

    def __str__(self):
        return self.canonical()

    def canonical(self):
        """The canonical string: largest suffix of the family with no fraction."""
        negative, coefficient, exponent = _split(self.value)
        if coefficient == 0:
            return "0"
        sign = "-" if negative else ""
        fmt = self.format
        if fmt == BINARY_SI and (exponent < 0 or coefficient * 10 ** exponent < 1024):
            # Below 1Ki in magnitude, or not a whole number: print as decimal SI
            # so that nothing is rounded.
            fmt = DECIMAL_SI
        if fmt == BINARY_SI:
            whole = coefficient * 10 ** exponent
            step = 0
            while step < len(_BINARY_BY_STEP) - 1 and whole % 1024 == 0:
                whole //= 1024
                step += 1
            return "%s%d%s" % (sign, whole, _BINARY_BY_STEP[step])
        coefficient, exponent = _strip_tens(coefficient, exponent)
        spare = exponent % 3  # Python's modulo: 0, 1 or 2, also for negatives
        coefficient *= 10 ** spare
        exponent -= spare
        if fmt == DECIMAL_SI and exponent in _DECIMAL_BY_EXPONENT:
            suffix = _DECIMAL_BY_EXPONENT[exponent]
        elif exponent == 0:
            suffix = ""
        else:
            suffix = "e%d" % exponent
        return "%s%d%s" % (sign, coefficient, suffix)

    def int_value(self):
        """ceil(value): the whole units Kubernetes reserves for this amount."""
        return _scaled_ceiling(self.value, 0)

    def milli_value(self):
        """ceil(value * 1000): the amount in thousandths, e.g. millicores."""
        return _scaled_ceiling(self.value, 3)


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

class _Malformed(Exception):
    """Internal: carries the API server's reason for a rejected string."""


def _scan(text):
    """Split a quantity string the way the API server's scanner does.

    Returns (negative, num, frac, suffix, number_text): ``num`` are the integer
    digits without leading zeros ("0" when there are none), ``frac`` the digits
    after the point, ``number_text`` the text before the suffix (sign included).
    """
    end = len(text)
    pos = 0
    negative = False
    if pos < end and text[pos] in "+-":
        negative = text[pos] == "-"
        pos += 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos == end:
        return negative, "0", "", "", "0"
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    frac = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        frac = text[start:pos]
    if pos == end:
        return negative, num, frac, "", text
    number_text = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise _Malformed(_REASON_FORMAT)
    return negative, num, frac, text[suffix_start:], number_text


def _go_int(text):
    """Strict base-10 integer as Go's strconv.ParseInt(text, 10, 64) reads it."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or any(c not in _DIGITS for c in body):
        return None
    number = int(text)
    if not -(2 ** 63) <= number < 2 ** 63:
        return None
    return number


def _interpret(suffix):
    """Return (base, exponent, format) for a suffix, or raise _Malformed."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        exponent = _go_int(suffix[1:])
        if exponent is not None and _INT32_MIN <= exponent <= _INT32_MAX:
            return 10, exponent, DECIMAL_EXPONENT
    raise _Malformed(_REASON_SUFFIX)


def _needs_exact_path(num, frac, base, exponent):
    """Whether the API server parses this amount with arbitrary precision.

    The server takes a fast int64 route for short numbers and only reads the
    number text as a decimal on the slow route, where a number with no digits
    at all (``"."``, ``"-"``, ``""``) is a numeric error. On the fast route
    such a number is simply zero.
    """
    if base == 10:
        return 18 - len(num) - len(frac) < 0 or exponent - len(frac) < _NANO_EXPONENT
    if frac:
        return True
    return 15 - len(num) - (exponent * 3) // 10 - 1 < 0


def _parse_text(text):
    if not text:
        raise _Malformed(_REASON_FORMAT)
    negative, num, frac, suffix, number_text = _scan(text)
    base, exponent, fmt = _interpret(suffix)
    if not any(c in _DIGITS for c in number_text) and _needs_exact_path(num, frac, base, exponent):
        raise _Malformed(_REASON_NUMERIC)
    if len(num) + len(frac) > _MAX_DIGITS:
        raise _Malformed("%s: more than %d digits" % (_REASON_NUMERIC, _MAX_DIGITS))
    coefficient = int(num + frac)
    if base == 10:
        return _normalize(negative, coefficient, exponent - len(frac), fmt)
    return _normalize(negative, coefficient * 2 ** exponent, -len(frac), fmt)


@functools.lru_cache(maxsize=1024)
def _parse_string(text):
    # Manifests repeat the same few strings ("500m", "1Gi"); a Quantity is
    # immutable, so parses are shared. Errors are raised, never cached.
    amount, fmt = _parse_text(text)
    return Quantity(amount, fmt)


def _describe(value):
    """A short quoted rendering of user input for error messages."""
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def _number_to_decimal(value, field):
    """An int, Decimal or float as an exact finite Decimal (floats via repr)."""
    if isinstance(value, bool):
        raise KataNodeError(
            "%s must be a Kubernetes quantity, not the boolean %s; %s." % (field, value, _HINT)
        )
    if isinstance(value, int):
        return decimal.Decimal(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise KataNodeError("%s must be a finite number, not %r; %s." % (field, value, _HINT))
        return decimal.Decimal(repr(float(value)))
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise KataNodeError("%s must be a finite number, not %s; %s." % (field, value, _HINT))
        if len(value.as_tuple().digits) > _MAX_DIGITS:
            raise KataNodeError("%s has more than %d digits; %s." % (field, _MAX_DIGITS, _HINT))
        return value
    return None


def parse_quantity(value, field="quantity"):
    """Parse a Kubernetes quantity.

    ``value`` is a string in the quantity grammar (exactly: no surrounding
    whitespace), or an int, Decimal or float taken like a bare YAML number
    (decimal SI; a float through its shortest repr). Raises KataNodeError with
    one sentence naming ``field`` for anything else.
    """
    if isinstance(value, str):
        try:
            return _parse_string(str(value))
        except _Malformed as exc:
            reason = str(exc)
            hint = _HINT
            if value != value.strip():
                hint = "remove the surrounding whitespace and " + _HINT
            raise KataNodeError(
                "%s: %s is not a valid Kubernetes quantity (%s); %s." % (field, _describe(value), reason, hint)
            ) from None
    number = _number_to_decimal(value, field)
    if number is None:
        raise KataNodeError(
            "%s must be a Kubernetes quantity string or a number, not %s; %s."
            % (field, type(value).__name__, _HINT)
        )
    negative, coefficient, exponent = _split(number)
    amount, fmt = _normalize(negative, coefficient, exponent, DECIMAL_SI)
    return Quantity(amount, fmt)


def format_quantity(value, unit_kind="binary", field="value"):
    """Render a number as the canonical quantity string of one family.

    ``unit_kind`` is ``"binary"`` (Ki, Mi, Gi ...), ``"decimal"`` (m, k, M,
    G ...) or ``"exponent"`` (1e3 ...). ``value`` is an int, Decimal, float or
    a string (any quantity, e.g. "1610612736", "1.5" or "1.5Gi"). The result is
    what a Quantity of that format prints: 1610612736 binary is "1536Mi", 1.5
    decimal is "1500m", and 0.5 binary is "500m" (below 1, binary falls back
    to decimal SI).
    """
    if not isinstance(unit_kind, str) or unit_kind not in UNIT_KINDS:
        raise KataNodeError(
            "unit_kind %s is not known; use one of %s."
            % (_describe(unit_kind), ", ".join(sorted(UNIT_KINDS)))
        )
    fmt = UNIT_KINDS[str(unit_kind)]
    if isinstance(value, str):
        number = parse_quantity(value, field).value
    else:
        number = _number_to_decimal(value, field)
        if number is None:
            raise KataNodeError(
                "%s must be a number or a quantity string, not %s; use a value like 1610612736, 1.5 or \"1.5Gi\"."
                % (field, type(value).__name__)
            )
    if fmt == BINARY_SI and abs(number) > _BINARY_CAP:
        raise KataNodeError(
            "%s %s is beyond the binary-SI range of Kubernetes (at most 9223372036854775807 in magnitude); "
            "use unit_kind='decimal' or 'exponent'." % (field, number)
        )
    return Quantity(number, fmt).canonical()


def quantity_ratio(value, unit, field="unit"):
    """``value / unit`` of two Quantity objects as an exact Fraction."""
    if unit.value == 0:
        raise KataNodeError("%s must not be zero; use a unit such as Mi, Gi, m or 1." % field)
    for amount in (value.value, unit.value):
        if amount.adjusted() > _MAX_DIGITS:
            raise KataNodeError(
                "quantity %s is too large to divide; use a value below 1e%d." % (amount, _MAX_DIGITS)
            )
    return fractions.Fraction(value.value) / fractions.Fraction(unit.value)
