"""What the CLI and the API ask of the sensor analyses: each answer read in the caller's scope
and audited with what it showed."""

from __future__ import annotations

from datetime import datetime

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.sensors.convoys import Convoy, ConvoyParams, find_convoys
from corridor.store.base import Store

#: The most plates an audit entry names (a year of reads can hold thousands of convoys).
AUDITED_PLATES = 500


def convoys(
    store: Store,
    caller: Caller,
    start: datetime | None = None,
    end: datetime | None = None,
    params: ConvoyParams | None = None,
) -> list[Convoy]:
    """The convoys among the ANPR reads the caller may see, between `start` and `end`."""
    if start is not None and end is not None and end <= start:
        raise ValidationError("the end must be after the start", "end")
    found = find_convoys(store, caller.scope, params, start, end)
    plates = sorted({p for c in found for p in c.plates})
    level = max((c.classification for c in found), default=int(Classification.OFFICIAL))
    audit(store, caller, Event.READ, "anpr/convoys",
          {"start": start.isoformat() if start else None,
           "end": end.isoformat() if end else None, "convoys": len(found),
           "plates": plates[:AUDITED_PLATES], "plates_total": len(plates)},
          Classification(level))  # fmt: skip
    return found
