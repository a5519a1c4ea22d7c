"""Sharing agreements: what one partner may receive, and why.

An agreement is set per partner agency and versioned (every change is kept). It names the
purposes data may be shared for, the schemata and properties (and sensor kinds) that may go,
a classification ceiling, whether records with conditional handling (3x5x2 code C) may go at
all, and which categories of person: victims and witnesses only when listed explicitly.

Agreements are written as YAML and set with `corridor agreement set PARTNER FILE`:

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

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from followthemoney import model

from corridor.errors import InputError, ValidationError
from corridor.model.classification import Classification
from corridor.model.observations import ObservationKind
from corridor.model.provenance import PersonCategory, parse_agency

#: Categories shared unless an agreement says otherwise: never victims or witnesses by default.
DEFAULT_CATEGORIES = frozenset(
    {PersonCategory.SUSPECT, PersonCategory.CONVICTED, PersonCategory.CONTACT, PersonCategory.OTHER}
)
ALL_PROPERTIES = "*"


@dataclass(frozen=True)
class Agreement:
    """What may go to one partner. `schemata` maps a schema to its permitted properties
    (None: every property of it)."""

    partner: str
    purposes: frozenset[str]
    ceiling: Classification
    schemata: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    observations: frozenset[ObservationKind] = frozenset()
    person_categories: frozenset[PersonCategory] = DEFAULT_CATEGORIES
    conditional_handling: bool = True
    valid_until: date | None = None
    version: int = 0
    #: Answers of `allowed_properties` per schema: a package asks once per statement.
    _covered: dict[str, frozenset[str] | bool | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def allows_purpose(self, purpose: str) -> bool:
        return normalise_purpose(purpose) in {normalise_purpose(p) for p in self.purposes}

    def allowed_properties(self, schema: str) -> frozenset[str] | bool | None:
        """The properties of `schema` that may go: a set, None (all), or False (none). A schema
        is covered by its own entry or by an ancestor's (Person by LegalEntity); the most
        specific entry wins whatever the order they are listed in (`Person: [name]` restricts
        Person under `LegalEntity: "*"`), and entries for unrelated ancestors (Company is an
        Organization and an Asset) add up."""
        if schema not in self._covered:
            self._covered[schema] = self._allowed_properties(schema)
        return self._covered[schema]

    def _allowed_properties(self, schema: str) -> frozenset[str] | bool | None:
        ftm = model.get(schema)
        if ftm is None:
            return False
        matches = [name for name in self.schemata if ftm.is_a(name)]
        nearest = [
            name
            for name in matches
            if not any(other != name and _is_a(other, name) for other in matches)
        ]
        if not nearest:
            return False
        entries = [self.schemata[name] for name in nearest]
        if any(props is None for props in entries):
            return None
        return frozenset().union(*(props for props in entries if props is not None))

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and today > self.valid_until

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "version": self.version,
            "purposes": sorted(self.purposes),
            "ceiling": self.ceiling.label,
            "schemata": {
                k: ALL_PROPERTIES if v is None else sorted(v)
                for k, v in sorted(self.schemata.items())
            },
            "observations": sorted(k.value for k in self.observations),
            "person_categories": sorted(c.value for c in self.person_categories),
            "conditional_handling": self.conditional_handling,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def _is_a(name: str, ancestor: str) -> bool:
    schema = model.get(name)
    return schema is not None and schema.is_a(ancestor)


def normalise_purpose(text: str) -> str:
    return " ".join(str(text).lower().split())


def _field(name: str, parse: Any, value: Any) -> Any:
    """`parse(value)`, with any validation error naming the agreement's field."""
    try:
        return parse(value)
    except ValidationError as exc:
        raise ValidationError(exc.message, name) from None


def parse_agreement(data: Any, version: int | None = None) -> Agreement:
    """An agreement from its YAML/JSON form, refusing anything unclear with the field named.
    `version` overrides the form's own `version` field (default 0)."""
    if not isinstance(data, Mapping):
        raise ValidationError("an agreement must be a mapping", "agreement")
    known = {"partner", "purposes", "ceiling", "schemata", "observations", "person_categories",
             "conditional_handling", "valid_until", "version"}  # fmt: skip
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise ValidationError(f"unknown agreement field {unknown[0]!r}", unknown[0])
    if version is None:
        version = data.get("version", 0)
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ValidationError("version must be a whole number, 0 or more", "version")
    partner = _field("partner", parse_agency, data.get("partner"))
    purposes = data.get("purposes")
    if (
        not isinstance(purposes, list)
        or not purposes
        or not all(isinstance(p, str) and p.strip() for p in purposes)
    ):
        raise ValidationError("purposes must be a non-empty list of texts", "purposes")
    if "ceiling" not in data:
        raise ValidationError("a classification ceiling is required", "ceiling")
    ceiling = _field("ceiling", Classification.parse, data["ceiling"])
    schemata: dict[str, frozenset[str] | None] = {}
    raw_schemata = data.get("schemata") or {}
    if not isinstance(raw_schemata, Mapping):
        raise ValidationError("schemata must map schema names to properties", "schemata")
    for name, props in raw_schemata.items():
        schema = model.get(str(name))
        if schema is None:
            raise ValidationError(f"unknown schema {name!r}", f"schemata.{name}")
        if props == ALL_PROPERTIES or props is None:
            schemata[schema.name] = None
            continue
        if not isinstance(props, list):
            raise ValidationError('properties must be a list or "*"', f"schemata.{name}")
        for prop in props:
            if schema.get(str(prop)) is None:
                raise ValidationError(f"{schema.name} has no property {prop!r}",
                                      f"schemata.{name}")  # fmt: skip
        schemata[schema.name] = frozenset(str(p) for p in props)
    observations = set()
    raw_observations = data.get("observations") or []
    if not isinstance(raw_observations, list):
        raise ValidationError("observations must be a list of sensor kinds", "observations")
    for kind in raw_observations:
        try:
            observations.add(ObservationKind(str(kind)))
        except ValueError:
            allowed = ", ".join(k.value for k in ObservationKind)
            raise ValidationError(
                f"unknown observation kind {kind!r} (expected {allowed})", "observations"
            ) from None
    categories = DEFAULT_CATEGORIES
    if "person_categories" in data:
        raw = data["person_categories"]
        if not isinstance(raw, list):
            raise ValidationError("person_categories must be a list", "person_categories")
        categories = frozenset(
            _field("person_categories", PersonCategory.parse, str(c)) for c in raw
        )
    conditional = data.get("conditional_handling", True)
    if not isinstance(conditional, bool):
        raise ValidationError("conditional_handling must be true or false", "conditional_handling")
    valid_until = data.get("valid_until")
    if isinstance(valid_until, datetime):  # YAML reads `2027-12-31 12:00` as a date and time
        raise ValidationError("valid_until must be a date (YYYY-MM-DD), not a time", "valid_until")
    if valid_until is not None and not isinstance(valid_until, date):
        try:
            valid_until = date.fromisoformat(str(valid_until))
        except ValueError:
            raise ValidationError(
                "valid_until must be a date (YYYY-MM-DD)", "valid_until"
            ) from None
    return Agreement(
        partner, frozenset(p.strip() for p in purposes), ceiling, schemata,
        frozenset(observations), categories, conditional, valid_until, version,
    )  # fmt: skip


def load_agreement(path: Path) -> Agreement:
    """Read an agreement file, naming the file in any error."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise InputError("file not found", file=path.name) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=path.name) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=path.name) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(f"invalid YAML: {exc}", file=path.name,
                         line=None if line is None else line + 1) from None  # fmt: skip
    try:
        return parse_agreement(data)
    except ValidationError as exc:
        raise InputError(exc.message, file=path.name, line=_field_line(text, exc.field),
                         field=exc.field) from None  # fmt: skip


def _field_line(text: str, field: str | None) -> int | None:
    """The 1-based line of a field (`schemata.Person`: the Person key) in a YAML mapping."""
    if not field:
        return None
    node = yaml.compose(text)
    line = None
    for part in field.split(".", 1) if field.startswith("schemata.") else [field]:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(((k, v) for k, v in node.value if str(k.value) == part), None)
        if found is None:
            break
        line = found[0].start_mark.line + 1
        node = found[1]
    return line
