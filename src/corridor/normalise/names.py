"""Person names made comparable across languages, scripts and romanisations.

One implementation, shared by search, entity resolution and sanctions screening, over the
tokens and phonetic keys of `corridor.normalise.spelling`:

* `parse_name` joins the particles of Arabic and Persian names into name parts, splits given
  names from the family name and gives every part its key (a `ParsedName`);
* `name_keys` is the (token, key) index that search stores and queries.

rigour strips honorifics; how the route's names are built (articles, nasab, Slavic and Persian
family-name endings) is written out here, with the reason next to each rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from rigour.names import remove_person_prefixes

from corridor.normalise.nicknames import GIVEN_NAME_KEYS, given_name_variants
from corridor.normalise.spelling import ABJAD, name_key, name_tokens, strip_article

# --- Name parts --------------------------------------------------------------------------------

# Arabic articles written apart (al-Hassan, El Amrani); a sun letter assimilates the article
# (ash-Shami, an-Najjar, as-Saleh), so "a"/"e"/"u" + the next token's first consonant also is one.
_ARTICLES = frozenset({"al", "el", "ul"})
_SUN = ("t", "th", "d", "dh", "r", "z", "s", "sh", "n")
# Particles joined to the next token into one name part: "Ben Ali" and "Benali", "Abdul Rahman"
# and "Abdulrahman", "Abu Bakr" and "Abubakr" are written both ways for one person.
_PREFIXES = frozenset(
    {"bin", "ben", "ibn", "bint", "ould", "abu", "abou", "abo", "abd", "abdul", "abdel", "abdal",
     "abdol", "abdoul", "abdu", "abdur", "abdar", "abdus"}
)  # fmt: skip
_NASAB = frozenset({"bin", "ben", "ibn", "bint", "ould"})
# Suffixes joined to the previous token: -ullah (Safi Ullah/Safiullah), -uddin, Pashto -zai and
# -khel, Persian -zada (Yusuf Zai/Yusufzai, Ahmad Zada/Ahmadzada).
_SUFFIXES = frozenset(
    {"ullah", "ulah", "ulla", "ullo", "allah", "ollah", "olah", "uddin", "udin", "eddin",
     "eddine", "uddeen", "addin", "zai", "zay", "khel", "zada", "zadeh", "zade"}
)  # fmt: skip
_DIN = frozenset({"din", "deen", "dine"})
# Abbreviations of Muhammad in passports and records (Md, Mohd, Muhd, Mhd).
_ABBREVIATIONS = {"md": "muhammad", "mohd": "muhammad", "muhd": "muhammad", "mhd": "muhammad"}
# Family-name morphology: Serbian, Croatian and Bosnian -ić, Macedonian and Polish -ski/-ska,
# Bulgarian and Russian -ov/-ev(a), Turkish -oğlu, Persian -zada/-pour, Pashto -zai/-khel.
_FAMILY_STRONG = re.compile(r"..(?:ic|sk[aiy]|ck[aiy]|oglu|zadeh?|zada|zai|khel|pou?r)$")
# Western given names that end like a South Slavic surname.
_NOT_FAMILY_IC = frozenset({"eric", "dominic", "cedric", "frederic", "ludovic", "alaric", "emeric"})
_FAMILY_SLAVIC_OV = re.compile(r"...[oe]va?$")
# Persian and Arabic nisba (-i: Rahimi, Hashimi), weak: Mahdi and Ramzi are given names.
_FAMILY_NISBA = re.compile(r"....(?:i|y|ie)$")
# -ullah compounds are given names (Safiullah, Rahmatullah).
_GIVEN_ULLAH = re.compile(r"..h?[uoa]ll?ah?$")


@dataclass(frozen=True)
class _Word:
    """A word of the written name: its tokens, whether it was in capitals, its segment."""

    tokens: tuple[str, ...]
    capitals: bool
    segment: int  # 0 before a comma ("SURNAME, Given"), 1 after; 0 without a comma
    abjad: bool  # written in Arabic script, where the article is always attached


def _words(name: str) -> list[_Word]:
    text = remove_person_prefixes(name.strip())
    head, comma, tail = text.partition(",")
    segments = [(head, 0), (tail, 1)] if comma and head.strip() and tail.strip() else [(text, 0)]
    words = []
    for segment_text, segment in segments:
        for raw in segment_text.split():
            tokens = tuple(name_tokens(raw))
            if not tokens:
                continue
            letters = [ch for ch in raw if ch.isalpha()]
            capitals = (
                len(letters) > 1
                and any(ch.isupper() for ch in letters)
                and not any(ch.islower() for ch in letters)
            )
            words.append(_Word(tokens, capitals, segment, ABJAD.search(raw) is not None))
    return words


@dataclass(frozen=True)
class _Part:
    text: str
    capitals: bool
    segment: int
    article: bool  # an article written apart was joined to it
    nasab: bool  # ben/bin/ibn-led


def _is_article(token: str, following: str) -> bool:
    if token in _ARTICLES:
        return True
    if len(token) < 2 or token[0] not in "aeu":
        return False
    rest = token[1:]
    return rest in _SUN and following.startswith(rest) and len(following) > len(rest) + 1


def _parts(words: list[_Word]) -> list[_Part]:
    """Join particles and their names into name parts, within one segment."""
    flat = [(tok, w.capitals, w.segment, w.abjad) for w in words for tok in w.tokens]
    parts: list[_Part] = []
    i = 0
    n = len(flat)
    while i < n:
        tok, caps, seg, abjad = flat[i]
        tok = _ABBREVIATIONS.get(tok, tok)

        def joinable(j: int, seg: int = seg) -> bool:
            return j < n and flat[j][2] == seg

        if tok in _ARTICLES and not joinable(i + 1) and n > 1:
            i += 1  # a stray article ("Hassan al") names no one
            continue
        nasab = False
        article = abjad and tok.startswith("al") and len(tok) > 4
        text = tok
        if joinable(i + 1) and _is_article(tok, flat[i + 1][0]):
            text, article = "al", True  # al-, el-, ash-, an-, … written one way
            i += 1
            text += flat[i][0]
        elif tok in _PREFIXES and joinable(i + 1) and not (tok == "ben" and i == 0 and n == 2):
            # "Ben Parker" is an English given name and a surname; "Ben Ali" after a given
            # name (or "Ben Ali Mustafa") is a nasab. A two-word "Ben X" stays apart.
            nasab = tok in _NASAB
            i += 1
            nxt = flat[i][0]
            if joinable(i + 1) and _is_article(nxt, flat[i + 1][0]):
                i += 1  # Abd al-Rahman
                nxt = "al" + flat[i][0]
            text = tok + nxt
        while joinable(i + 1):
            nxt = flat[i + 1][0]
            if nxt in _SUFFIXES:
                text += nxt
                i += 1
            elif (
                nxt in ("ud", "ad", "ed", "al", "el", "ul")
                and joinable(i + 2)
                and (flat[i + 2][0] in _DIN)
            ):
                text += "uddin"
                i += 2
            elif nxt in _DIN and len(text) > 3:
                text += "uddin"
                i += 1
            else:
                break
        parts.append(_Part(text, caps, seg, article, nasab))
        i += 1
    return parts


# --- Given and family names --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NameRoles:
    """What a corpus says about which name keys are family names.

    Records that mark the family name ("JOVANOVIĆ, Miroslav", "JOVANOVIĆ Miroslav") show which
    keys are family names and which given; because keys are script-insensitive, that evidence
    also orders unmarked names in other scripts (a Serbian record's "Јовановић Мирослав" or an
    Arabic-script one). Unmarked names count too, weakly: most records put the given name first,
    so over many records a key seen mostly first is a given name. `family_log_odds` maps a key
    to log((family + 1) / (given + 1)) over those weighted counts.
    """

    family_log_odds: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def learn(cls, names: Iterable[str], unmarked_weight: float = 0.25) -> NameRoles:
        """Learn roles from a corpus of names (one record's name each, duplicates welcome).

        A name whose family name is marked by a comma or capitals counts 1 for each part's
        role; an unmarked name counts `unmarked_weight` for its first part being given and its
        last part being family — the convention most records follow.
        """
        family: dict[str, float] = {}
        given: dict[str, float] = {}
        for name in names:
            parsed = parse_name(name)
            if parsed.order in ("comma", "capitals"):
                weight, fam, giv = 1.0, parsed.family, parsed.given
            elif len(parsed.parts) > 1:
                weight, fam, giv = unmarked_weight, parsed.parts[-1:], parsed.parts[:1]
            else:
                continue
            for part in fam:
                key = name_key(part)
                family[key] = family.get(key, 0.0) + weight
            for part in giv:
                key = name_key(part)
                given[key] = given.get(key, 0.0) + weight
        odds = {
            key: math.log((family.get(key, 0.0) + 1) / (given.get(key, 0.0) + 1))
            for key in family.keys() | given.keys()
        }
        return cls(odds)


def _family_evidence(part: _Part, key: str, roles: NameRoles | None, given_keys: frozenset[str]
                     ) -> float:  # fmt: skip
    """How much a part looks like a family name (> 0) or a given name (< 0)."""
    text = part.text
    score = 0.0
    if part.article or part.nasab:
        score += 3.0
    elif text.startswith("al") and text[2] != "e" and strip_article(text) != text:
        score += 2.0  # Alhasan, Alahmad; not Aleksandar
    if text.startswith(("abd", "abu")) or _GIVEN_ULLAH.search(text):
        score -= 1.0  # Abd al-X, Abu X (a kunya) and X-ullah are usually given names
    if _FAMILY_STRONG.search(text) and text not in _NOT_FAMILY_IC:
        score += 3.0
    elif _FAMILY_SLAVIC_OV.search(text):
        score += 2.0
    elif _FAMILY_NISBA.search(text):
        score += 0.5
    if key in given_keys:
        score -= 1.0
    if roles is not None:
        score += max(-3.0, min(3.0, roles.family_log_odds.get(key, 0.0)))
    return score


@dataclass(frozen=True)
class ParsedName:
    """A person's name in parts, with keys to compare it across scripts and spellings.

    `order` says how the family name was found: "comma" ("SURNAME, Given"), "capitals" (the
    family name in capitals, the given in mixed case: "JOVANOVIĆ Miroslav"), "evidence"
    (surname morphology such as -ić/-ski/-ov, an Arabic article or nasab, known given names and
    learnt `NameRoles` put the family name first), "convention" (no evidence either way: the
    last part, as most records write it) or "single" (one part: a mononym or nickname, kept as a
    given name).
    """

    tokens: tuple[str, ...]  # latinised tokens, in written order
    parts: tuple[str, ...]  # tokens with particles joined (al-Hassan → alhassan), written order
    given: tuple[str, ...]  # given parts, in written order
    family: tuple[str, ...]  # family parts, in written order
    keys: tuple[str, ...]  # sorted, unique keys of all parts
    given_keys: tuple[str, ...]  # keys of the given parts, in order
    family_key: str  # keys of the family parts, space-separated ("" when unknown)
    sorted_name: str  # parts sorted and space-joined: order-insensitive
    initials: str  # first letters of the given parts (for "J. Smith")
    given_variants: tuple[str, ...]  # canonical given names behind nicknames (Saša → aleksandar)
    order: str
    articles: tuple[str, ...] = ()  # parts an Arabic article was written with (al-Hassan)

    @property
    def given_key(self) -> str:
        """The key of the first given name ("" when there is none)."""
        return self.given_keys[0] if self.given_keys else ""

    @property
    def full_key(self) -> str:
        """The keys of all parts, sorted and space-joined (order-insensitive)."""
        return " ".join(sorted(name_key(p) for p in self.parts))


_EMPTY = ParsedName((), (), (), (), (), (), "", "", "", (), "empty")


@lru_cache(maxsize=1 << 16)
def parse_name(name: str, roles: NameRoles | None = None) -> ParsedName:
    """Parse a person's name: tokens, parts, given and family names and their keys.

    Never raises; a name with no letters parses to an empty `ParsedName`. The family name is
    found by, in turn: a comma ("JOVANOVIĆ, Miroslav"); capitals against mixed case
    ("JOVANOVIĆ Miroslav"); evidence (see `ParsedName.order`) choosing between the first and the
    last part; and otherwise the convention that the family name comes last. Swapped order
    with no evidence cannot be known: compare `sorted_name` and `keys` for that.
    """
    words = _words(name)
    if not words:
        return _EMPTY
    parts = _parts(words)
    texts = tuple(p.text for p in parts)
    keys_in_order = tuple(name_key(t) for t in texts)
    family_idx: list[int]
    if len(parts) == 1:
        family_idx, order = [], "single"
    elif any(p.segment == 1 for p in parts):
        family_idx, order = [i for i, p in enumerate(parts) if p.segment == 0], "comma"
    elif any(p.capitals for p in parts) and not all(p.capitals for p in parts):
        family_idx, order = [i for i, p in enumerate(parts) if p.capitals], "capitals"
    else:
        first = _family_evidence(parts[0], keys_in_order[0], roles, GIVEN_NAME_KEYS)
        last = _family_evidence(parts[-1], keys_in_order[-1], roles, GIVEN_NAME_KEYS)
        if first > last:
            family_idx, order = [0], "evidence"
        else:
            family_idx, order = [len(parts) - 1], "convention" if first == last else "evidence"
    family = tuple(texts[i] for i in family_idx)
    given = tuple(t for i, t in enumerate(texts) if i not in family_idx)
    given_keys = tuple(name_key(t) for t in given)
    variants = sorted({v for g in given for v in given_name_variants(g)})
    return ParsedName(
        tokens=tuple(t for w in words for t in w.tokens),
        parts=texts,
        given=given,
        family=family,
        keys=tuple(sorted(set(keys_in_order))),
        given_keys=given_keys,
        family_key=" ".join(name_key(t) for t in family),
        sorted_name=" ".join(sorted(texts)),
        initials="".join(g[0] for g in given),
        given_variants=tuple(variants),
        order=order,
        articles=tuple(p.text for p in parts if p.article),
    )


def name_keys(name: str) -> list[tuple[str, str]]:
    """(part, key) pairs of a name for the search index, in written order.

    Particles are joined to their names (al-Hassan → alhassan, Safi Ullah → safiullah), so a
    query and a record that write them differently still match part for part.
    """
    return [(part, name_key(part)) for part in parse_name(name).parts]
