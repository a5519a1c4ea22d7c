from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import Reader, StoreDep
from corridor.api.schemas.observations import Observations
from corridor.entities import service
from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind, parse_kind
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate
from corridor.store.records import ObservationQuery

router = APIRouter(tags=["observations"])


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise ValidationError("bbox must be min_lon,min_lat,max_lon,max_lat", "bbox") from None
    if len(parts) != 4:
        raise ValidationError("bbox must be min_lon,min_lat,max_lon,max_lat", "bbox")
    min_lon, min_lat, max_lon, max_lat = parts
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValidationError("bbox corners out of range or in the wrong order", "bbox")
    return min_lon, min_lat, max_lon, max_lat


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def observation_dict(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: _json(v) for k, v in row.items() if v is not None}
    if "classification" in out:
        out["classification"] = Classification(int(out["classification"])).label
    return out


# An observation leaves out its empty fields (`observation_dict`): so does the answer.
@router.get("/observations", response_model=Observations, response_model_exclude_unset=True)
def observations(
    store: StoreDep,
    caller: Reader,
    kind: Annotated[list[str] | None, Query()] = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bbox: str | None = None,
    plate: Annotated[list[str] | None, Query()] = None,
    phone: Annotated[list[str] | None, Query()] = None,
    sensor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Sensor observations by time window, bounding box, and subject keys.

    `plate` and `phone` may repeat; an observation matches if it has any of them.
    """
    kinds = tuple(parse_kind(k) for k in kind) if kind else tuple(ObservationKind)
    plate_keys = []
    for value in plate or []:
        key = normalise_plate(value)
        if not key:
            raise ValidationError(f"not a plate: {value!r}", "plate")
        plate_keys.append(key)
    phone_keys = []
    for value in phone or []:
        e164 = normalise_phone(value)
        if e164 is None:
            raise ValidationError(f"not a valid international phone number: {value!r}", "phone")
        phone_keys.append(e164)
    query = ObservationQuery(
        kinds=kinds,
        start=start,
        end=end,
        bbox=parse_bbox(bbox) if bbox else None,
        plates=tuple(plate_keys),
        phones=tuple(phone_keys),
        sensor_id=sensor,
        limit=limit,
        offset=offset,
    )
    asked = {
        "kind": kind,
        "start": start,
        "end": end,
        "bbox": bbox,
        "plate": plate,
        "phone": phone,
        "sensor": sensor,
        "offset": offset,
    }
    rows = service.observations(store, caller, query, asked)
    return {"total": len(rows), "results": [observation_dict(r) for r in rows]}
