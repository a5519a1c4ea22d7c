from __future__ import annotations

import csv

import pytest

from conftest import SHARED_DATA
from corridor.errors import NotFound
from corridor.resources import FRONTEX_DETECTIONS, data_path
from corridor.stats.frontex import Frontex

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless


def test_western_balkans_2024_total_and_nationalities() -> None:
    s = Frontex().summary("Western Balkan Route", 2024)
    assert s.total == 21_525
    assert sum(n.detections for n in s.by_nationality) == s.total
    assert s.by_nationality[0].iso3 == "SYR" and s.by_nationality[0].name == "Syria"
    assert len(s.by_month) == 12 and sum(d for _, d in s.by_month) == s.total


def test_summary_matches_a_plain_recount_of_the_shipped_file() -> None:
    expected = 0
    with data_path(FRONTEX_DETECTIONS).open() as f:
        for row in csv.DictReader(f):
            if row["route"] == "Western Balkan Route" and row["month"].startswith("2015"):
                expected += int(row["detections"])
    assert Frontex().summary("western balkan route", 2015).total == expected > 700_000


def test_shipped_copy_is_identical_to_the_published_file() -> None:
    shared = SHARED_DATA / "migration" / FRONTEX_DETECTIONS
    if shared.exists():
        assert data_path(FRONTEX_DETECTIONS).read_bytes() == shared.read_bytes()
    assert data_path(FRONTEX_DETECTIONS).stat().st_size > 1_000_000


def test_unknown_route_lists_the_known_ones() -> None:
    with pytest.raises(NotFound, match="Western Balkan Route"):
        Frontex().summary("Northern Route")
