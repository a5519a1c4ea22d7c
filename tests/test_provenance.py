from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.errors import ValidationError
from corridor.model.classification import Classification
from corridor.model.provenance import PersonCategory, build_provenance, merge_fields

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

BASE = {"agency": "GB-NCA", "grading": "2BP", "classification": "OFFICIAL"}


def test_full_provenance_builds_and_flattens() -> None:
    prov = build_provenance(
        {**BASE, "grading": "3CC", "action_code": "A2", "sanitisation_code": "S1",
         "handling_instructions": "protect the source", "classification": "OFFICIAL-SENSITIVE",
         "person_category": "Victim", "review_by": "2027-06-30",
         "collected_at": "2024-05-03T10:00:00", "source_ref": "IR-1#2"}
    )  # fmt: skip
    assert prov.classification is Classification.OFFICIAL_SENSITIVE
    assert prov.person_category is PersonCategory.VICTIM
    assert prov.review_by == date(2027, 6, 30)
    assert prov.collected_at == datetime(2024, 5, 3, 10, tzinfo=UTC)
    fields = prov.to_fields()
    assert fields["grading"] == "3CC" and fields["grading_scheme"] == "3x5x2"
    assert fields["action_code"] == "A2" and fields["handling_instructions"] == "protect the source"
    assert build_provenance(fields) == prov


@pytest.mark.parametrize(
    ("change", "field"),
    [({"agency": ""}, "agency"), ({"agency": "nca"}, "agency"), ({"grading": None}, "grading"),
     ({"grading": "9ZZ"}, "grading"), ({"classification": "RESTRICTED"}, "classification"),
     ({"classification": None}, "classification"), ({"person_category": "bystander"}, "person_category"),
     ({"review_by": "31/12/2027"}, "review_by"), ({"collected_at": "yesterday"}, "collected_at"),
     ({"grading_scheme": "7x7"}, "grading_scheme")],
)  # fmt: skip
def test_invalid_provenance_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build_provenance({**BASE, **change})
    assert info.value.field == field


def test_layers_merge_with_the_first_winning_and_blanks_ignored() -> None:
    merged = merge_fields(
        {"grading": "1AP", "agency": ""}, {"agency": "RS-MUP", "grading": "3EP"}, BASE
    )
    assert merged["grading"] == "1AP"
    assert merged["agency"] == "RS-MUP"
    assert merged["classification"] == "OFFICIAL"


@given(st.dictionaries(st.sampled_from(["agency", "grading", "grading_scheme", "action_code",
                                        "classification", "person_category", "review_by"]),
                       st.text(max_size=12)))  # fmt: skip
def test_arbitrary_fields_never_fail_with_anything_but_a_validation_error(
    raw: dict[str, str],
) -> None:
    try:
        prov = build_provenance({**BASE, **raw})
    except ValidationError as exc:
        assert exc.field is not None
    else:
        assert build_provenance(prov.to_fields()) == prov
