"""Grades, handling conditions and classifications: valid ones parse, invalid ones are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.grading import (
    SCHEMES,
    Grade,
    GradingScheme,
    check_conditions,
)

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless


@pytest.mark.parametrize(
    ("text", "scheme", "canonical"),
    [
        ("1BP", "3x5x2", "1BP"),
        ("2cc", None, "2CC"),
        ("3 E P", "3x5x2", "3EP"),
        ("B24", "5x5x5", "B24"),
        ("e-5-5", "5x5x5", "E55"),
        ("B2-H1", "europol", "B2-H1"),
        ("x4h3", "europol", "X4-H3"),
    ],
)
def test_valid_grades_parse_to_canonical_form(
    text: str, scheme: str | None, canonical: str
) -> None:
    grade = Grade.parse(text, scheme)
    assert str(grade) == canonical
    assert Grade.parse(str(grade), grade.scheme) == grade


@pytest.mark.parametrize(
    ("text", "scheme"),
    [("4BP", "3x5x2"), ("1FP", "3x5x2"), ("1BX", "3x5x2"), ("B24", "3x5x2"), ("2BP", "5x5x5"),
     ("F11", "5x5x5"), ("B26", "5x5x5"), ("D1-H0", "europol"), ("A5-H1", "europol"),
     ("A1-H4", "europol"), ("", "3x5x2")],
)  # fmt: skip
def test_invalid_grades_are_refused_naming_the_field(text: str, scheme: str) -> None:
    with pytest.raises(ValidationError) as info:
        Grade.parse(text, scheme)
    assert info.value.field == "grading"
    assert scheme in info.value.message


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown grading scheme") as info:
        Grade.parse("1BP", "4x4")
    assert info.value.field == "grading_scheme"


def _all_grades() -> st.SearchStrategy[Grade]:
    def build(scheme: GradingScheme) -> st.SearchStrategy[Grade]:
        parts = [sorted(codes) for _, codes in SCHEMES[scheme]]
        return st.builds(
            lambda a, b, c: Grade(scheme, a, b, c),
            st.sampled_from(parts[0]),
            st.sampled_from(parts[1]),
            st.sampled_from(parts[2]),
        )

    return st.one_of(*(build(s) for s in GradingScheme))


@given(_all_grades())
def test_every_valid_grade_round_trips(grade: Grade) -> None:
    assert Grade.parse(str(grade), grade.scheme) == grade
    assert set(grade.describe()) == {name for name, _ in SCHEMES[grade.scheme]}


@given(st.text(max_size=8), st.sampled_from(list(GradingScheme)))
def test_any_text_either_parses_or_is_refused_cleanly(text: str, scheme: GradingScheme) -> None:
    try:
        grade = Grade.parse(text, scheme)
    except ValidationError as exc:
        assert exc.field == "grading"
    else:
        assert grade.scheme is scheme
        assert Grade.parse(str(grade), scheme) == grade


def test_handling_c_requires_a_condition() -> None:
    grade = Grade.parse("2BC")
    with pytest.raises(ValidationError, match="handling code C"):
        check_conditions(grade)
    conditions = check_conditions(grade, "a1", "s2", "  ask the originator  ")
    assert (conditions.action_code, conditions.sanitisation_code) == ("A1", "S2")
    assert conditions.instructions == "ask the originator"


def test_conditions_with_handling_p_are_refused() -> None:
    with pytest.raises(ValidationError, match="only allowed with code C"):
        check_conditions(Grade.parse("1AP"), action_code="A2")


@pytest.mark.parametrize(
    ("action", "sanit", "field"), [("A4", None, "action_code"), (None, "S3", "sanitisation_code")]
)
def test_invalid_codes_are_refused(action: str | None, sanit: str | None, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_conditions(Grade.parse("2BC"), action, sanit)
    assert info.value.field == field


def test_europol_h3_needs_instructions_and_takes_no_uk_codes() -> None:
    grade = Grade.parse("B2-H3", "europol")
    with pytest.raises(ValidationError, match="H3"):
        check_conditions(grade)
    assert check_conditions(grade, instructions="no onward transfer").instructions
    with pytest.raises(ValidationError, match="3x5x2"):
        check_conditions(Grade.parse("B2-H0", "europol"), action_code="A1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("OFFICIAL", Classification.OFFICIAL), ("official-sensitive", Classification.OFFICIAL_SENSITIVE),
     ("OFFICIAL SENSITIVE", Classification.OFFICIAL_SENSITIVE), ("Secret", Classification.SECRET),
     ("TOP SECRET", Classification.TOP_SECRET)],
)  # fmt: skip
def test_classifications_parse(text: str, expected: Classification) -> None:
    assert Classification.parse(text) is expected
    assert Classification.parse(expected.label) is expected


def test_official_sensitive_is_a_caveat_on_official() -> None:
    c = Classification.OFFICIAL_SENSITIVE
    assert (c.level, c.caveat, c.label) == ("OFFICIAL", "SENSITIVE", "OFFICIAL-SENSITIVE")
    assert Classification.OFFICIAL < c < Classification.SECRET


@pytest.mark.parametrize("text", ["RESTRICTED", "CONFIDENTIAL", "", "SENSITIVE", "OFFICIAL-SECRET"])
def test_unknown_classifications_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        Classification.parse(text)
    assert info.value.field == "classification"
