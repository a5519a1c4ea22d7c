"""The words agencies use for a smuggling role, in English and Serbian (Latin and Cyrillic).

Hand-written on purpose: no maintained library maps these terms (the trade's slang, a Serbian
police register's "jatak" for the one who shelters people, "havala" for an informal banker) to
roles, and a general translation model would be a dependency far heavier than the list. The
list is small, one place to extend, and every term is matched on a folded form (lower case,
Cyrillic transliterated, diacritics dropped), so "vozač", "vozac" and "возач" are one word.

A relationship may also say who the *other* party is ("driver for the organiser", "vozač kod
organizatora"): `read` returns that apart, as the counterpart's role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from normality import ascii_text

#: Corridor's roles, as `corridor.network.roles` names them.
ORGANISER = "organiser"
RECRUITER = "recruiter"
DRIVER = "driver"
SAFE_HOUSE_KEEPER = "safe-house keeper"
FORGER = "forger"
SPOTTER = "spotter"
MONEY_HANDLER = "money handler"

#: Terms by role. Serbian in both scripts; the Cyrillic is listed so that the list reads as
#: records write it (folding makes it the same key as the Latin).
TERMS: dict[str, tuple[str, ...]] = {
    ORGANISER: (
        "organiser", "organizer", "organising", "ringleader", "leader", "boss",
        "organizator", "organizatorka", "vođa", "šef", "organizovanje",
        "организатор", "организаторка", "вођа", "шеф",
    ),
    RECRUITER: (
        "recruiter", "recruitment", "recruiting", "recruits",
        "vrbovanje", "vrbovalac", "vrbovnik", "regruter", "regrutovanje",
        "врбовање", "врбовалац", "регрутер",
    ),
    DRIVER: (
        "driver", "driving", "transporter", "transport",
        "vozač", "vozačica", "prevoz", "prevoznik", "prevoženje",
        "возач", "превоз", "превозник",
    ),
    SAFE_HOUSE_KEEPER: (
        "safe house", "safe-house", "safehouse", "accommodation", "shelter", "housing",
        "jatak", "jataci", "smeštaj", "skrivanje",
        "јатак", "јатаци", "смештај",
    ),
    MONEY_HANDLER: (
        "money handler", "money", "finance", "finances", "financial", "cash", "hawala",
        "hawaladar", "banker", "payments",
        "finansije", "finansijer", "novac", "havala", "havaladar", "naplata",
        "финансије", "финансијер", "новац", "хавала",
    ),
    FORGER: (
        "forger", "forgery", "forged documents", "false documents", "document forger",
        "falsifikovanje isprava", "falsifikovanje", "falsifikator", "falsifikat", "isprave",
        "фалсификовање исправа", "фалсификовање", "фалсификатор",
    ),
    SPOTTER: (
        "spotter", "lookout", "look-out", "scout", "spotting",
        "izviđač", "izviđanje", "osmatrač", "osmatranje",
        "извиђач", "извиђање", "осматрач",
    ),
}  # fmt: skip
#: Phrases that name the other party's role: "for the organiser", "kod organizatora".
COUNTERPART: dict[str, tuple[str, ...]] = {
    ORGANISER: (
        "for the organiser", "for the organizer", "for the boss", "for the leader",
        "kod organizatora", "za organizatora", "kod šefa", "za šefa",
        "код организатора", "за организатора", "код шефа",
    ),
}  # fmt: skip

# Serbian Cyrillic letters whose usual transliteration drops a letter (љ → "l"): mapped first.
_DIGRAPHS = str.maketrans(
    {"Љ": "Lj", "љ": "lj", "Њ": "Nj", "њ": "nj", "Џ": "Dz", "џ": "dz", "Ђ": "Dj", "ђ": "dj",
     "Đ": "Dj", "đ": "dj"}
)  # fmt: skip
_WORDS = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII words of `text` in any script, one space between them."""
    latin = ascii_text(text.translate(_DIGRAPHS)) or ""
    return " ".join(_WORDS.findall(latin.lower()))


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    folded = sorted({fold(t) for t in terms}, key=lambda t: (-len(t), t))
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in folded) + r")\b")


_ROLE_PATTERNS = {role: _pattern(terms) for role, terms in TERMS.items()}
_COUNTERPART_PATTERNS = {role: _pattern(terms) for role, terms in COUNTERPART.items()}


@dataclass(frozen=True, slots=True)
class Reading:
    """What a text says: the roles it names for its subject, and for the other party."""

    roles: tuple[str, ...]
    counterpart: tuple[str, ...]


def read(text: str) -> Reading:
    """The roles `text` names (in `TERMS` order), with phrases naming the other party's role
    taken out first: "driver for the organiser" → roles (driver,), counterpart (organiser,)."""
    folded = fold(text)
    counterpart = []
    for role, pattern in _COUNTERPART_PATTERNS.items():
        if pattern.search(folded):
            counterpart.append(role)
            folded = pattern.sub(" ", folded)
    roles = tuple(role for role, pattern in _ROLE_PATTERNS.items() if pattern.search(folded))
    return Reading(roles, tuple(counterpart))
