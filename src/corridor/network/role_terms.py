"""The words agencies use for a smuggling role, in English and Serbian (Latin and Cyrillic).

Hand-written on purpose: no maintained library maps these terms (the trade's slang, a Serbian
police register's "jatak" for the one who shelters people, "havala" for an informal banker) to
roles, and a general translation model would be a dependency far heavier than the list. The
list is small, one place to extend, and every term is matched on a folded form (lower case,
Cyrillic transliterated, diacritics dropped), so "vozač", "vozac" and "возач" are one word.

A relationship may also say who the *other* party is ("driver for the organiser", "vozač kod
organizatora"): `read` returns that apart, as the counterpart's role.

Free text (a report's item about one person: "organises the network's movements", "vrbuje
migrante") is read with the same list, so it holds verbs as well as nouns. Serbian inflects
them ("novac", "novca", "novcem"): a term ending in `*` is a stem and matches any ending. A term
right after a negation ("not", "no longer", "nije", "ne") is not read: "is not the organiser"
says nothing for the organiser. `read` gives the roles in the order the text names them, so a
reader may count the first (most often the sentence's verb) above the rest.
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
        "organiser", "organizer", "organising", "organises", "organizes", "ringleader",
        "leader", "boss", "mastermind", "kingpin", "coordinates", "coordinator", "orchestrates",
        "heads the network", "heads the group", "runs the network", "runs the group",
        "organizator", "organizatorka", "organizuj*", "vođa", "šef", "organizovanje",
        "koordinira", "koordinator", "rukovodi", "predvodi", "vodi grupu", "vodi mrežu",
        "организатор", "организаторка", "организуј*", "вођа", "шеф", "координира", "руководи",
    ),
    RECRUITER: (
        "recruiter", "recruitment", "recruiting", "recruits", "recruited", "recruit",
        "sells places", "finds clients",
        "vrbuj*", "vrbov*", "regrut*",
        "врбуј*", "врбов*", "регрут*",
    ),
    DRIVER: (
        "driver", "driving", "drives", "drove", "transporter", "transport", "transports",
        "ferries migrants",
        "vozač", "vozačica", "vozi", "prevoz", "prevozi", "prevoznik", "prevoženje",
        "возач", "вози", "превоз", "превози", "превозник",
    ),
    SAFE_HOUSE_KEEPER: (
        "safe house", "safe-house", "safehouse", "accommodation", "shelter", "shelters",
        "housing", "harbours migrants", "hides migrants",
        "jatak", "jataci", "smeštaj", "skrivanje", "drži skrovište", "krije migrante",
        "јатак", "јатаци", "смештај", "држи скровиште",
    ),
    MONEY_HANDLER: (
        "money handler", "money", "finance", "finances", "financial", "cash", "hawala",
        "hawaladar", "banker", "payments", "launders", "laundering",
        "finansije", "finansijer", "novac", "novc*", "haval*", "havaladar", "naplata",
        "uplat*",
        "финансије", "финансијер", "новац", "новц*", "хавал*", "уплат*",
    ),
    FORGER: (
        "forger", "forgery", "forges", "forged documents", "false documents", "fake documents",
        "false passports", "fake passports", "document forger", "counterfeit",
        "falsifik*", "isprave", "lažne isprave", "lažna dokumenta",
        "фалсифик*", "лажне исправе",
    ),
    SPOTTER: (
        "spotter", "lookout", "look-out", "scout", "spotting", "watches police",
        "watching police", "monitors police", "watches patrols", "monitors patrols",
        "izviđač", "izviđanje", "osmatra*", "prati kretanje patrol*", "prati patrol*",
        "извиђач", "извиђање", "осматра*", "прати кретање патрол*",
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


#: Words that, right before a term (up to two words before), deny it.
NEGATIONS = frozenset({"not", "no", "never", "nor", "ne", "nije", "nisu", "nikad", "nikada"})
_NEGATION_REACH = 2


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    keys = {(fold(t), t.endswith("*")) for t in terms}
    alternatives = [re.escape(t) + (r"[a-z]*" if stem else "")
                    for t, stem in sorted(keys, key=lambda k: (-len(k[0]), k))]  # fmt: skip
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_ROLE_PATTERNS = {role: _pattern(terms) for role, terms in TERMS.items()}
_COUNTERPART_PATTERNS = {role: _pattern(terms) for role, terms in COUNTERPART.items()}


@dataclass(frozen=True, slots=True)
class Reading:
    """What a text says: the roles it names for its subject (in the order it names them), and
    for the other party."""

    roles: tuple[str, ...]
    counterpart: tuple[str, ...]


def _denied(folded: str, start: int) -> bool:
    before = folded[:start].split()[-_NEGATION_REACH:]
    return any(w in NEGATIONS for w in before)


def _first(pattern: re.Pattern[str], folded: str) -> int | None:
    """Where the text first names the term, not denied; None if it never does."""
    return next((m.start() for m in pattern.finditer(folded) if not _denied(folded, m.start())),
                None)  # fmt: skip


def read(text: str) -> Reading:
    """The roles `text` names, in the order it names them, with phrases naming the other
    party's role taken out first: "driver for the organiser" → roles (driver,), counterpart
    (organiser,)."""
    folded = fold(text)
    counterpart = []
    for role, pattern in _COUNTERPART_PATTERNS.items():
        if _first(pattern, folded) is not None:
            counterpart.append(role)
        folded = pattern.sub(" ", folded)
    found = [(at, i, role) for i, (role, pattern) in enumerate(_ROLE_PATTERNS.items())
             if (at := _first(pattern, folded)) is not None]  # fmt: skip
    return Reading(tuple(role for _, _, role in sorted(found)), tuple(counterpart))
