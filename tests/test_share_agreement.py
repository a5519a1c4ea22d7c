"""Sharing agreements: parsing with the field named, file errors located, round trips, and
which schemata and properties an agreement covers (FtM inheritance)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.errors import InputError, ValidationError
from corridor.model.agreement import (
    DEFAULT_CATEGORIES,
    Agreement,
    load_agreement,
    parse_agreement,
)
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.provenance import PersonCategory

EXAMPLE = """\
partner: RS-MUP
purposes: [prevention and detection of organised immigration crime]
ceiling: OFFICIAL-SENSITIVE
schemata:
  Person: [name, birthDate, nationality, phone]
  Vehicle: "*"
observations: [anpr, scan]
person_categories: [suspect, convicted, contact, other]
conditional_handling: true
valid_until: 2027-12-31
"""


def base(**changes: Any) -> dict[str, Any]:
    """A valid agreement form, with fields changed (None: removed)."""
    data: dict[str, Any] = {
        "partner": "RS-MUP",
        "purposes": ["prevention and detection of organised immigration crime"],
        "ceiling": "OFFICIAL-SENSITIVE",
        "schemata": {"Person": ["name", "birthDate"], "Vehicle": "*"},
        "observations": ["anpr"],
        "conditional_handling": True,
        "valid_until": "2027-12-31",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# --- parsing -------------------------------------------------------------------------------


def test_example_parses(tmp_path: Path) -> None:
    path = tmp_path / "rs.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    a = load_agreement(path)
    assert a.partner == "RS-MUP"
    assert a.purposes == frozenset({"prevention and detection of organised immigration crime"})
    assert a.ceiling is Classification.OFFICIAL_SENSITIVE
    assert a.schemata == {
        "Person": frozenset({"name", "birthDate", "nationality", "phone"}),
        "Vehicle": None,
    }
    assert a.observations == {ObservationKind.ANPR, ObservationKind.SCAN}
    assert a.person_categories == DEFAULT_CATEGORIES
    assert a.conditional_handling is True
    assert a.valid_until == date(2027, 12, 31)
    assert a.version == 0


def test_defaults() -> None:
    a = parse_agreement(
        base(schemata=None, observations=None, conditional_handling=None, valid_until=None)
    )
    assert a.schemata == {}
    assert a.observations == frozenset()
    assert a.conditional_handling is True
    assert a.valid_until is None
    # Victims and witnesses are never shared unless an agreement names them.
    assert PersonCategory.VICTIM not in a.person_categories
    assert PersonCategory.WITNESS not in a.person_categories
    assert a.person_categories == DEFAULT_CATEGORIES


def test_values_are_normalised() -> None:
    a = parse_agreement(
        base(
            partner=" rs-mup ",
            purposes=["  Prevention  "],
            ceiling="official sensitive",
            person_categories=["Victim", "SUSPECT"],
        )
    )
    assert a.partner == "RS-MUP"
    assert a.purposes == frozenset({"Prevention"})
    assert a.ceiling is Classification.OFFICIAL_SENSITIVE
    assert a.person_categories == {PersonCategory.VICTIM, PersonCategory.SUSPECT}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (["not", "a", "mapping"], "agreement"),
        (None, "agreement"),
        (base(colour="blue"), "colour"),
        (base(partner=None), "partner"),
        (base(partner="Serbia"), "partner"),
        (base(partner=""), "partner"),
        (base(purposes=None), "purposes"),
        (base(purposes=[]), "purposes"),
        (base(purposes="prevention"), "purposes"),
        (base(purposes=["prevention", "  "]), "purposes"),
        (base(purposes=[3]), "purposes"),
        (base(ceiling=None), "ceiling"),
        (base(ceiling="RESTRICTED"), "ceiling"),
        (base(ceiling=7), "ceiling"),
        (base(schemata=["Person"]), "schemata"),
        (base(schemata={"Phone": "*"}), "schemata.Phone"),
        (base(schemata={"person": "*"}), "schemata.person"),
        (base(schemata={"Person": "name"}), "schemata.Person"),
        (base(schemata={"Person": True}), "schemata.Person"),
        (base(schemata={"Person": ["name", "shoeSize"]}), "schemata.Person"),
        # LegalEntity has no birthDate: an ancestor's entry names the ancestor's properties.
        (base(schemata={"LegalEntity": ["birthDate"]}), "schemata.LegalEntity"),
        (base(observations=["anpr", "satellite"]), "observations"),
        (base(observations="anpr"), "observations"),
        (base(observations=5), "observations"),
        (base(observations={"anpr": True}), "observations"),
        (base(person_categories="victim"), "person_categories"),
        (base(person_categories=["suspect", "bystander"]), "person_categories"),
        (base(conditional_handling="yes"), "conditional_handling"),
        (base(conditional_handling=1), "conditional_handling"),
        (base(valid_until="31.12.2027"), "valid_until"),
        (base(valid_until="2027-12-31T12:00:00"), "valid_until"),
        (base(valid_until=datetime(2027, 12, 31, 12, 0)), "valid_until"),
        (base(valid_until=2027), "valid_until"),
        (base(version="two"), "version"),
        (base(version=-1), "version"),
        (base(version=True), "version"),
        (base(version=1.5), "version"),
    ],
)
def test_each_field_is_validated_and_named(data: Any, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_agreement(data)
    assert info.value.field == field, info.value.message


def test_unknown_field_with_non_text_key() -> None:
    with pytest.raises(ValidationError) as info:
        parse_agreement({**base(), 1: "x", "zzz": "y"})
    assert info.value.field == "1"


def test_version_from_the_form_or_the_caller() -> None:
    assert parse_agreement(base(version=3)).version == 3
    assert parse_agreement(base(version=3), 7).version == 7
    assert parse_agreement(base()).version == 0


# --- round trip ----------------------------------------------------------------------------


def test_round_trip_example() -> None:
    a = parse_agreement(base(version=4, person_categories=["witness", "suspect"]))
    data = a.to_dict()
    assert parse_agreement(data) == a
    # As the store keeps it: JSON text.
    assert parse_agreement(json.loads(json.dumps(data))) == a
    assert data["ceiling"] == "OFFICIAL-SENSITIVE"
    assert data["schemata"] == {"Person": ["birthDate", "name"], "Vehicle": "*"}
    assert data["valid_until"] == "2027-12-31"


SCHEMA_PROPS = {
    "Thing": ["name", "country", "notes"],
    "LegalEntity": ["name", "phone", "email", "country"],
    "Person": ["name", "birthDate", "nationality", "phone", "passportNumber"],
    "Organization": ["name", "phone", "registrationNumber"],
    "Company": ["name", "registrationNumber", "capital"],
    "Asset": ["amount", "name"],
    "Vehicle": ["name", "registrationNumber", "model", "owner"],
    "Passport": ["number", "holder", "country"],
    "BankAccount": ["iban", "bankName"],
}


def test_schema_props_are_valid() -> None:
    for name, props in SCHEMA_PROPS.items():
        schema = model.get(name)
        assert schema is not None, name
        assert all(schema.get(p) is not None for p in props), name


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    names = draw(st.lists(st.sampled_from(sorted(SCHEMA_PROPS)), unique=True, max_size=5))
    schemata: dict[str, Any] = {}
    for name in names:
        props = SCHEMA_PROPS[name]
        schemata[name] = draw(
            st.one_of(st.just("*"), st.lists(st.sampled_from(props), unique=True))
        )
    data: dict[str, Any] = {
        "partner": draw(st.sampled_from(["RS-MUP", "HU-ORFK", "NL-EUROPOL"])),
        "purposes": draw(
            st.lists(
                st.sampled_from(["prevention", "detection", "asset recovery"]),
                min_size=1,
                unique=True,
            )
        ),
        "ceiling": draw(st.sampled_from([c.label for c in Classification])),
        "schemata": schemata,
        "observations": draw(
            st.lists(st.sampled_from([k.value for k in ObservationKind]), unique=True)
        ),
        "conditional_handling": draw(st.booleans()),
        "valid_until": draw(st.none() | st.dates(date(2020, 1, 1), date(2035, 1, 1))),
        "version": draw(st.integers(0, 50)),
    }
    if draw(st.booleans()):
        data["person_categories"] = draw(
            st.lists(st.sampled_from([c.value for c in PersonCategory]), unique=True)
        )
    return parse_agreement(data)


@settings(max_examples=100, deadline=None)
@given(agreements())
def test_round_trip_property(a: Agreement) -> None:
    back = parse_agreement(json.loads(json.dumps(a.to_dict())))
    assert back == a
    # ... and it decides the same, whatever order the schemata were listed in.
    for name in [*SCHEMA_PROPS, "Phone", "Family", "Address"]:
        assert back.allowed_properties(name) == a.allowed_properties(name)


# --- schema coverage -----------------------------------------------------------------------


def test_ftm_inheritance_as_assumed() -> None:
    person = model.get("Person")
    assert person is not None
    assert person.is_a("LegalEntity")
    assert person.is_a("Thing")
    legal = model.get("LegalEntity")
    assert legal is not None and not legal.is_a("Person")
    assert model.get("Phone") is None  # FtM has no Phone entity: phones are a property type


def test_ancestor_entry_covers_descendants() -> None:
    a = parse_agreement(base(schemata={"LegalEntity": ["name", "phone"]}))
    for name in ("LegalEntity", "Person", "Organization", "Company"):
        assert a.allowed_properties(name) == frozenset({"name", "phone"}), name
    assert a.allowed_properties("Vehicle") is False
    assert a.allowed_properties("Passport") is False


def test_descendant_entry_does_not_cover_ancestor_or_siblings() -> None:
    a = parse_agreement(base(schemata={"Person": "*"}))
    assert a.allowed_properties("Person") is None
    assert a.allowed_properties("LegalEntity") is False
    assert a.allowed_properties("Organization") is False


def test_unknown_schema_is_never_covered() -> None:
    a = parse_agreement(base(schemata={"Thing": "*"}))
    assert a.allowed_properties("Phone") is False
    assert a.allowed_properties("") is False
    assert a.allowed_properties("Person") is None


@pytest.mark.parametrize("person_first", [True, False])
def test_most_specific_entry_wins_in_any_order(person_first: bool) -> None:
    entries: list[tuple[str, Any]] = [("Person", ["name"]), ("LegalEntity", "*")]
    if not person_first:
        entries.reverse()
    a = parse_agreement(base(schemata=dict(entries)))
    assert a.allowed_properties("Person") == frozenset({"name"})
    assert a.allowed_properties("Organization") is None
    assert a.allowed_properties("LegalEntity") is None
    # The stored form (sorted, JSON) decides the same.
    assert parse_agreement(json.loads(json.dumps(a.to_dict()))).allowed_properties(
        "Person"
    ) == frozenset({"name"})


def test_unrelated_ancestors_add_up() -> None:
    company = model.get("Company")
    assert company is not None and company.is_a("Organization") and company.is_a("Asset")
    a = parse_agreement(base(schemata={"Organization": ["name"], "Asset": ["amount"]}))
    assert a.allowed_properties("Company") == frozenset({"name", "amount"})
    assert a.allowed_properties("Organization") == frozenset({"name"})
    assert a.allowed_properties("Vehicle") == frozenset({"amount"})  # a Vehicle is an Asset
    b = parse_agreement(base(schemata={"Organization": ["name"], "Asset": "*"}))
    assert b.allowed_properties("Company") is None


def test_empty_property_list_covers_nothing_of_it() -> None:
    a = parse_agreement(base(schemata={"Person": []}))
    assert a.allowed_properties("Person") == frozenset()


def test_purposes_and_expiry() -> None:
    a = parse_agreement(base(purposes=["Prevention of  organised crime"]))
    assert a.allows_purpose("prevention of organised crime")
    assert a.allows_purpose("  PREVENTION OF ORGANISED   CRIME ")
    assert not a.allows_purpose("prevention")
    assert not a.expired(date(2027, 12, 31))
    assert a.expired(date(2028, 1, 1))
    assert not parse_agreement(base(valid_until=None)).expired(date(2999, 1, 1))


# --- files ---------------------------------------------------------------------------------


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_agreement(tmp_path / "nope.yaml")
    assert info.value.file == "nope.yaml"


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("partner: RS-MUP\npurposes: [a, b\nceiling: OFFICIAL\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_agreement(path)
    assert info.value.file == "bad.yaml"
    assert info.value.line == 3
    assert "bad.yaml" in info.value.message and "line 3" in info.value.message


def test_yaml_indentation_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("partner: RS-MUP\nschemata:\n  Person: [name]\n Vehicle: '*'\n", "utf-8")
    with pytest.raises(InputError) as info:
        load_agreement(path)
    assert info.value.file == "bad.yaml"
    assert info.value.line == 4


@pytest.mark.parametrize(
    ("replace", "by", "field", "line"),
    [
        ("ceiling: OFFICIAL-SENSITIVE", "ceiling: CONFIDENTIAL", "ceiling", 3),
        (
            "  Person: [name, birthDate, nationality, phone]",
            "  Person: [name, shoe]",
            "schemata.Person",
            5,
        ),
        ("observations: [anpr, scan]", "observations: [anpr, radar]", "observations", 7),
        ("partner: RS-MUP", "partner: Serbia", "partner", 1),
        ("valid_until: 2027-12-31", "valid_until: someday", "valid_until", 10),
        ("conditional_handling: true", "conditional_handling: true\ncolour: red", "colour", 10),
    ],
)
def test_validation_error_names_file_field_and_line(
    tmp_path: Path, replace: str, by: str, field: str, line: int
) -> None:
    assert replace in EXAMPLE
    path = tmp_path / "rs.yaml"
    path.write_text(EXAMPLE.replace(replace, by), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_agreement(path)
    assert info.value.file == "rs.yaml"
    assert info.value.field == field
    assert info.value.line == line
    assert info.value.message.startswith(f"rs.yaml, line {line}, field {field!r}: ")


def test_missing_field_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "rs.yaml"
    path.write_text(EXAMPLE.replace("ceiling: OFFICIAL-SENSITIVE\n", ""), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_agreement(path)
    assert (info.value.file, info.value.field, info.value.line) == ("rs.yaml", "ceiling", None)


@pytest.mark.parametrize("content", [b"", b"# nothing\n", b"- a\n- b\n", b"just text\n"])
def test_file_that_is_not_a_mapping(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "rs.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_agreement(path)
    assert info.value.file == "rs.yaml"
    assert info.value.field == "agreement"


def test_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(
        EXAMPLE.replace("RS-MUP", "RS-MUP # Ministarstvo unutrašnjih").encode("cp1250")
    )
    with pytest.raises(InputError) as info:
        load_agreement(path)
    assert info.value.file == "latin1.yaml"
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(InputError) as info:
        load_agreement(folder)
    assert info.value.file == "folder.yaml"
