"""Substance identifiers: CAS registry numbers and CLP hazard statements."""

from __future__ import annotations

import functools
import re

_CAS_RE = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")
_H_RE = re.compile(r"^(H\d{3}[A-Za-z]{0,2}|EUH\d{3}[A-Za-z]?)$")


def cas_check_digit(body: str) -> int:
    """Check digit of a CAS number from its digits without the check digit.

    The check digit is the sum of each digit times its position counted from the right
    (starting at 1), modulo 10 (CAS Registry, "Check digit verification of CAS Registry
    Numbers", https://www.cas.org/support/documentation/chemical-substances/checkdig).

    >>> cas_check_digit("773250")   # chlorine 7782-50-5
    5
    """
    return sum(int(d) * (i + 1) for i, d in enumerate(reversed(body))) % 10


def is_valid_cas(cas: str) -> bool:
    """True if ``cas`` has the form NNNNNNN-NN-N and a correct check digit.

    >>> is_valid_cas("7782-50-5"), is_valid_cas("7782-50-6"), is_valid_cas("778250-5")
    (True, False, False)
    """
    m = _CAS_RE.match(cas.strip())
    if not m:
        return False
    return cas_check_digit(m.group(1) + m.group(2)) == int(m.group(3))


@functools.lru_cache(maxsize=65536)
def cas_problem(cas: str) -> str | None:
    """A sentence saying why ``cas`` is not a valid CAS number, or None if it is."""
    m = _CAS_RE.match(cas.strip())
    if not m:
        return f"'{cas}' is not a CAS number of the form NNNNNNN-NN-N"
    expected = cas_check_digit(m.group(1) + m.group(2))
    if expected != int(m.group(3)):
        return f"CAS number '{cas}' has check digit {m.group(3)}, expected {expected}"
    return None


@functools.lru_cache(maxsize=4096)
def is_hazard_statement_code(code: str) -> bool:
    """True for strings shaped like a CLP hazard statement code (H300, H360Fd, EUH014).

    Whether the code exists is checked against the catalogue in ``rules``.
    """
    return bool(_H_RE.match(code.strip()))


def split_list(value: str | None) -> tuple[str, ...]:
    """Split a ``;``-separated list cell into stripped, non-empty items.

    >>> split_list(" H330; H400 ;")
    ('H330', 'H400')
    """
    if not value:
        return ()
    return tuple(part.strip() for part in str(value).split(";") if part.strip())
