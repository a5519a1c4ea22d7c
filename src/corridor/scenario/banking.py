"""Bank accounts with valid IBANs, built from python-stdnum's national formats."""

from __future__ import annotations

import random
import re

from stdnum import iban as stdnum_iban
from stdnum.iso7064 import mod_97_10

#: Currency an account in each country is usually held in.
CURRENCY: dict[str, str] = {
    "RS": "RSD",
    "GB": "GBP",
    "DE": "EUR",
    "AT": "EUR",
    "BA": "BAM",
    "MK": "MKD",
    "HU": "HUF",
    "HR": "EUR",
    "GR": "EUR",
    "BG": "BGN",
    "AL": "ALL",
    "TR": "TRY",
    "ME": "EUR",
    "FR": "EUR",
}

# Countries whose BBAN ends with two national check digits computed as ISO 7064 MOD 97-10 over
# the rest of the BBAN (bank code and account number).
_NATIONAL_MOD97 = {"RS", "ME", "BA", "MK"}

_STRUCT = re.compile(r"(\d+)!([nac])")


def _bban_structure(country: str) -> list[tuple[int, str]]:
    info = stdnum_iban._ibandb.info(country)  # the registry stdnum validates against
    bban = info[0][1].get("bban") if info and info[0][1] else None
    if not bban:
        raise ValueError(f"no IBAN format for {country}")
    return [(int(n), kind) for n, kind in _STRUCT.findall(bban)]


def make_iban(country: str, rng: random.Random) -> str:
    """A random IBAN for `country` that python-stdnum validates, in compact form."""
    parts = []
    for n, kind in _bban_structure(country):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if kind == "a" else "0123456789"
        parts.append("".join(rng.choice(alphabet) for _ in range(n)))
    bban = "".join(parts)
    if country in _NATIONAL_MOD97:
        bban = bban[:-2] + mod_97_10.calc_check_digits(bban[:-2])
    check = stdnum_iban.calc_check_digits(f"{country}00{bban}")
    number = f"{country}{check}{bban}"
    return stdnum_iban.validate(number)


def format_iban(number: str) -> str:
    """The IBAN in groups of four, as printed on statements."""
    return stdnum_iban.format(number)


def bank_name(number: str) -> str:
    """An invented bank name derived from the IBAN's bank code (no real bank is named)."""
    country = number[:2]
    code = number[4:8]
    return f"Bank {code} ({country})"
