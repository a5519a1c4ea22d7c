"""Plate skeletons: the characters ANPR cameras confuse written one way, for every plate."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.normalise.plates import (
    OCR_CONFUSIONS,
    SKELETON_FROM,
    SKELETON_TO,
    normalise_plate,
    plate_skeleton,
)

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

PLATE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def test_the_sql_translation_is_the_python_one() -> None:
    assert len(SKELETON_FROM) == len(SKELETON_TO) == len(set(SKELETON_FROM))
    assert plate_skeleton(SKELETON_FROM) == SKELETON_TO
    groups = [set(g) for g in OCR_CONFUSIONS]
    assert sum(len(g) for g in groups) == len(set().union(*groups))  # no character in two


@given(st.text(PLATE_CHARS, min_size=1, max_size=10), st.data())
def test_a_confused_character_keeps_the_skeleton(plate: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(plate) - 1))
    group = next((g for g in OCR_CONFUSIONS if plate[i] in g), plate[i])
    misread = plate[:i] + data.draw(st.sampled_from(group)) + plate[i + 1 :]
    assert plate_skeleton(misread) == plate_skeleton(plate)
    assert plate_skeleton(plate_skeleton(plate)) == plate_skeleton(plate)
    assert len(plate_skeleton(plate)) == len(plate)


@given(st.text(PLATE_CHARS, min_size=1, max_size=10))
def test_other_characters_stay_apart(plate: str) -> None:
    # K and X are not a confusion: plates apart by them keep apart.
    if "K" in plate:
        assert plate_skeleton(plate.replace("K", "X")) != plate_skeleton(plate)
    assert plate_skeleton(normalise_plate(plate)) == plate_skeleton(plate)
