"""Mobile numbers that `phonenumbers` accepts as valid, in the countries along the route."""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Mobile prefixes (after the country code) in use in each country; every drawn number is still
# checked with phonenumbers, which holds the authoritative numbering plans.
_MOBILE_PREFIXES: dict[str, tuple[str, ...]] = {
    "RS": ("60", "61", "62", "63", "64", "65", "66", "69"),
    "MK": ("70", "71", "72", "75", "76", "77", "78"),
    "BA": ("61", "62", "63", "65", "66"),
    "GR": ("690", "693", "694", "695", "697", "698", "699"),
    "HU": ("20", "30", "70"),
    "GB": ("74", "75", "77", "78", "79"),
    "AF": ("70", "72", "73", "77", "78", "79"),
    "SY": ("93", "94", "95", "96", "98", "99"),
    "IQ": ("750", "770", "780", "790"),
    "PK": ("300", "301", "312", "321", "333", "345"),
    "TR": ("501", "505", "530", "532", "542", "555"),
    "MA": ("61", "66", "67", "70"),
    "EG": ("10", "11", "12", "15"),
    "AL": ("67", "68", "69"),
    "BG": ("87", "88", "89"),
    "HR": ("91", "92", "95", "98"),
    "AT": ("664", "676", "699"),
    "DE": ("151", "160", "170", "176"),
    "FR": ("6", "7"),
    "ME": ("67", "68", "69"),
    "IR": ("912", "915", "935"),
}


def _length(region: str) -> int:
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:  # pragma: no cover - every region above has an example
        raise ValueError(f"no mobile numbering plan for {region}")
    return len(str(example.national_number))


def mobile_number(region: str, rng: random.Random) -> str:
    """A random valid mobile number of `region` (ISO 3166-1 alpha-2), in E.164."""
    length = _length(region)
    prefixes = _MOBILE_PREFIXES.get(region, ())
    for attempt in range(200):
        prefix = rng.choice(prefixes) if prefixes else ""
        # Some plans mix lengths (Bulgarian mobiles are longer than the example number).
        n = length + (attempt // 20) % 2
        rest = "".join(rng.choice("0123456789") for _ in range(n - len(prefix)))
        number = phonenumbers.parse(
            f"+{phonenumbers.country_code_for_region(region)}{prefix}{rest}"
        )
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    raise ValueError(f"could not draw a valid mobile number for {region}")


def international(e164: str) -> str:
    """The number grouped for reading (+381 64 1234567), as people write it."""
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.INTERNATIONAL)


def national(e164: str) -> str:
    """The number as dialled at home (064 1234567), which only makes sense with a country."""
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.NATIONAL)


def region_of(e164: str) -> str:
    """The ISO country of a number."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or ""
