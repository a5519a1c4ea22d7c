"""FollowTheMoney schemata by name, with the schemata that extend them."""

from __future__ import annotations

from followthemoney import model

from corridor.errors import ValidationError


def schemata_for(name: str | None) -> list[str] | None:
    """A schema and every schema that extends it (Person for `LegalEntity`, …); None for none."""
    if not name:
        return None
    schema = model.get(name)
    if schema is None:
        raise ValidationError(f"unknown schema {name!r}", "schema")
    return sorted(s.name for s in model.schemata.values() if s.is_a(schema))
