"""The Arrow fast path of every observation field agrees with the per-value rule, for any input.

The rule (`Converter.__call__`) defines what is valid; the vectorised path may refuse more
(then the rule decides), but must never accept what the rule refuses or convert differently.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.errors import ValidationError
from corridor.model.observations import (
    ARROW_TYPES,
    SPECS,
    WHITESPACE,
    ColumnParser,
    ObservationKind,
    RowError,
)

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

FIELDS = [(kind, f) for kind, spec in SPECS.items() for f in spec.fields]

numberish = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(2**40), 2**40).map(str),
    st.sampled_from(["", " ", "1e3", "+2", " 7 ", "007", "nan", "-0", "1_0", "٣", "0x1"]),
)
timeish = st.one_of(
    st.datetimes(timezones=st.sampled_from([None, __import__("datetime").UTC])).map(
        lambda d: d.isoformat()
    ),
    st.sampled_from(
        ["2024-05-01T10:00:00Z", "2024-05-01", "2024-05-01 10:00:00", "2024-13-01", "x"]
    ),
)
texty = st.one_of(
    st.text(max_size=12), st.sampled_from(["BG 123-AB", "бг 123-аб", "RS", "SRB", "drone"])
)


def rule(convert, value):  # type: ignore[no-untyped-def]
    """The rule's verdict on one raw string: ('ok', value), ('blank',) or ('bad',)."""
    if value.strip(WHITESPACE) == "":
        return ("blank",)
    try:
        return ("ok", convert(value))
    except (ValueError, TypeError, ValidationError):
        return ("bad",)


@pytest.mark.parametrize(
    ("kind", "field"), FIELDS, ids=[f"{k.value}.{f.source}" for k, f in FIELDS]
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_fast_path_never_disagrees_with_the_rule(kind: ObservationKind, field, data) -> None:  # type: ignore[no-untyped-def]
    strategy = (
        timeish
        if field.sql_type == "TIMESTAMPTZ"
        else numberish
        if field.sql_type in ("DOUBLE", "INTEGER")
        else texty
    )
    values = data.draw(st.lists(strategy, min_size=1, max_size=6))
    target = ARROW_TYPES[field.sql_type]
    raw = pa.array(values, pa.string())
    trimmed = pc.utf8_trim(raw, WHITESPACE)
    cleaned = pc.if_else(pc.fill_null(pc.equal(trimmed, ""), True), None, trimmed)
    try:
        fast = field.convert.arrow(cleaned, target).to_pylist()
    except Exception:
        return  # refused: the rule decides, value by value
    for value, got in zip(values, fast, strict=True):
        verdict = rule(field.convert, value)
        assert verdict[0] != "bad", (value, got)
        if verdict[0] == "blank":
            assert got is None
        else:
            assert got == pa.array([verdict[1]], target)[0].as_py(), (value, got, verdict)


def test_parse_arrow_reports_the_first_bad_row_then_field() -> None:
    parser = ColumnParser(SPECS[ObservationKind.ANPR])
    table = pa.table({
        "vrm": ["BG 1-AA", "BG 2-AA", "", "BG 4-AA"],
        "read_at": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "bad"],
        "camera_id": ["c", "c", "c", "c"],
        "lat": ["44", "44", "44", "44"],
        "lon": ["20", "20", "999", "20"],
    })  # fmt: skip
    with pytest.raises(RowError) as info:
        parser.parse_arrow(table)
    assert (info.value.index, info.value.error.field) == (2, "vrm")


def test_parse_arrow_falls_back_to_the_rule_for_values_it_does_not_parse() -> None:
    parser = ColumnParser(SPECS[ObservationKind.DETECTION])
    table = pa.table({
        "detected_at": ["2024-05-01 10:00:00", "2024-05-01"],  # Arrow refuses both; the rule takes them
        "lat": [" 44.5 ", "45"], "lon": ["20", "21"], "people_count": ["", "3"],
    })  # fmt: skip
    out = parser.parse_arrow(table)
    assert [d.isoformat() for d in out["observed_at"].to_pylist()] == [
        "2024-05-01T10:00:00+00:00",
        "2024-05-01T00:00:00+00:00",
    ]
    assert out["lat"].to_pylist() == [44.5, 45.0]
    assert out["people_count"].to_pylist() == [1, 3]  # the default fills a blank
