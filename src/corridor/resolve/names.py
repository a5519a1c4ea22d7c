"""Name features for linkage, from the shared normaliser (`corridor.normalise.names`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from corridor.normalise.names import NameRoles, parse_name


@dataclass(frozen=True, slots=True)
class NameFeatures:
    sorted_name: str | None
    keys: tuple[str, ...]
    family_key: str | None
    given_keys: tuple[str, ...]


@lru_cache(maxsize=200_000)
def _features(name: str, roles: NameRoles | None) -> NameFeatures:
    """Cached: given names and surnames repeat across records far more than they vary."""
    parsed = parse_name(name, roles)
    if not parsed.keys:
        return NameFeatures(None, (), None, ())
    return NameFeatures(
        sorted_name=parsed.sorted_name or None,
        keys=tuple(sorted(set(parsed.keys))),
        family_key=parsed.family_key or None,
        given_keys=tuple(sorted(set(parsed.given_keys))),
    )


def name_features(name: str, roles: NameRoles | None = None) -> NameFeatures:
    return _features(name, roles)


def learn_roles(names: Iterable[str]) -> NameRoles:
    """Which name keys are family names, learned from the records themselves (no labels)."""
    return NameRoles.learn(names)


def roles_to_json(roles: NameRoles | None) -> dict[str, float]:
    return dict(roles.family_log_odds) if roles is not None else {}


def roles_from_json(data: Mapping[str, float] | None) -> NameRoles | None:
    return NameRoles(family_log_odds=dict(data)) if data else None
