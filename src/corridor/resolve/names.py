"""Name features for linkage, from the shared normaliser (`corridor.normalise.names`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from corridor.normalise.names import name_keys


@dataclass(frozen=True, slots=True)
class NameFeatures:
    sorted_name: str | None
    keys: tuple[str, ...]
    family_key: str | None
    given_keys: tuple[str, ...]


def _order(name: str) -> tuple[list[str], list[str]]:
    """(given, family) words: "SURNAME, Given", an all-capitals surname, else family last."""
    if "," in name:
        family, _, given = name.partition(",")
        return given.split(), family.split()
    words = name.split()
    caps = [w for w in words if w.isupper() and len(w) > 1]
    if caps and len(caps) < len(words):
        return [w for w in words if w not in caps], caps
    return words[:-1], words[-1:]


@lru_cache(maxsize=200_000)
def name_features(name: str) -> NameFeatures:
    """Cached: given names and surnames repeat across records far more than they vary."""
    keys = name_keys(name)
    if not keys:
        return NameFeatures(None, (), None, ())
    given_words, family_words = _order(name)
    family = [s for w in family_words for _, s in name_keys(w)]
    given = [s for w in given_words for _, s in name_keys(w)]
    return NameFeatures(
        sorted_name=" ".join(sorted(t for t, _ in keys)),
        keys=tuple(sorted({s for _, s in keys})),
        family_key=family[-1] if family else None,
        given_keys=tuple(sorted(set(given))),
    )
