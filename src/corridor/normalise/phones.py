"""Phone numbers as E.164 keys, parsed and validated by `phonenumbers`."""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers


def normalise_phone(raw: str, countries: Sequence[str] = ()) -> str | None:
    """Return the E.164 form of a valid phone number, or None if it cannot be one.

    `countries` (ISO 3166-1 alpha-2) helps parse numbers written without an international prefix.
    """
    text = str(raw).strip()
    if not text:
        return None
    regions: list[str | None] = [None, *(c.upper() for c in countries)]
    if text.startswith("00"):
        text = "+" + text[2:]
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None
