"""How long an API key works, as an operator writes it: `90d`, `12h`, `2w`, or `never`."""

from __future__ import annotations

import re
from datetime import timedelta

from corridor.errors import ValidationError

NEVER = "never"
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([hdw])\s*$")


def parse_expiry(text: str) -> timedelta | None:
    """The duration `text` names (None: `never`), or a `ValidationError` saying what is
    expected."""
    if text.strip().lower() == NEVER:
        return None
    found = _DURATION.match(text.lower())
    if found is None or int(found.group(1)) == 0:
        raise ValidationError(
            f"{text!r} is not a key lifetime: a number of hours, days or weeks (12h, 90d, 2w), "
            f"or {NEVER}",
            "expires_in",
        )
    return int(found.group(1)) * _UNITS[found.group(2)]
