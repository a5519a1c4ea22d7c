"""Names as rigour analyses them, for the screening matcher.

rigour (the library yente's matcher is built on) tags name parts, finds symbols in them (the
same given name across spellings and scripts, nicknames, initials, legal forms, numbers written
out, places) and compares what symbols leave over with a spelling budget scaled by the length
of each part. This module prepares each name once (`analyse`) and scores a pair
(`symbolic_score`); `matcher` combines that with Corridor's own romanisation keys.

Three things are done here that rigour does not do for us:

* names in a script with its own writing of each syllable (Chinese, Japanese, Korean, Khmer,
  Bengali, …) are compared character by character in that script when both sides use it: one
  character is a different name (习近朋 is not 习近平), which a romanisation hides;
* query variants: digits written for letters (Ig0r Sech1n), names run together in mixed case
  (SergeiLavrov) and leading titles (Ayatollah, General) give the query another reading, and the
  best reading counts;
* spelling outside symbols is scored strictly: `spelling_similarity` allows an edit budget that
  grows with the length of the part, and every edit costs more than the one before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA, Levenshtein
from rigour.names import (
    Alignment,
    Name,
    NamePart,
    NamePartTag,
    NameTypeTag,
    Symbol,
    align_person_name_order,
    analyze_names,
    compare_parts,
    pair_symbols,
    remove_obj_prefixes,
)

from corridor.normalise.orgs import org_name
from corridor.normalise.spelling import name_tokens

#: Scripts compared in their own characters when both names use them: a romanisation of these
#: maps different characters to one syllable (朋 and 平 are both "p…ng" to a phonetic key).
_LATINISED = frozenset({"LATIN", "CYRILLIC", "ARABIC", "GREEK", "DIGIT"})

_C = Symbol.Category
#: What a pair of parts joined by a symbol scores, and how much it weighs against the others.
#: A name entity in common (Mohammed/Muhammad, Ivan/Иван) is strong; a recorded nickname a
#: little less; an initial agrees with many names, so it weighs half; a legal form or a generic
#: word ("international") says little about which company it is; a number says a lot
#: (Brigade 44 is not Brigade 45).
SYMBOL_SCORES: dict[Any, tuple[float, float]] = {
    _C.NAME: (0.95, 1.0),
    _C.NICK: (0.85, 1.0),
    _C.INITIAL: (0.9, 0.5),
    _C.ORG_CLASS: (1.0, 0.3),
    _C.SYMBOL: (0.9, 0.3),
    _C.DOMAIN: (0.9, 0.7),
    _C.NUMERIC: (1.0, 1.3),
    _C.LOCATION: (0.9, 0.8),
    _C.PHONETIC: (0.8, 1.0),
}
#: How much a part left unmatched weighs, by what it is: a missing legal form or generic word
#: is often just omitted; a missing number matters.
EXTRA_WEIGHTS: dict[Any, float] = {
    _C.ORG_CLASS: 0.3,
    _C.SYMBOL: 0.5,
    _C.NUMERIC: 1.3,
    _C.LOCATION: 0.8,
}
# Objects are analysed as entities: rigour reads numbers written out in those (Ocean Star Two).
_KINDS = {"PER": NameTypeTag.PER, "ORG": NameTypeTag.ORG, "ENT": NameTypeTag.ENT,
          "OBJ": NameTypeTag.ENT}  # fmt: skip

# Leading titles and honorifics rigour leaves on a name (it removes Mr, Dr, President, …).
_TITLES = frozenset(
    {"ayatollah", "ayatullah", "grand", "sheikh", "shaikh", "sheik", "shaykh", "general", "gen",
     "colonel", "col", "major", "maj", "captain", "capt", "lieutenant", "lt", "commander",
     "admiral", "marshal", "sergeant", "sgt", "brigadier", "field", "mullah", "mulla", "maulana",
     "mawlawi", "maulvi", "mufti", "imam", "hajji", "haji", "hojatoleslam", "sayyid", "sayed",
     "excellency", "his", "her", "hon", "honourable", "honorable", "senator", "minister",
     "deputy", "prime", "chairman", "king", "queen", "prince", "princess", "emir", "sultan",
     "the", "rev", "reverend", "father", "bishop", "metropolitan", "patriarch", "judge",
     "justice", "ambassador", "governor", "mayor", "commissioner", "professor", "prof",
     "doctor", "dr", "engineer", "eng", "ing", "mr", "mrs", "ms", "sir", "lord", "lady", "dame",
     "comrade", "marshall", "vice", "president", "chief", "head", "supreme", "leader"}
)  # fmt: skip
_DIGIT_LETTERS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                                "8": "b", "9": "g", "@": "a", "$": "s"})  # fmt: skip
_MIXED = re.compile(r"\b(?=\w*[0-9@$])(?=(?:\w*[^\W\d_]){2})[\w@$]+\b")
_CAMEL = re.compile(r"(?<=[a-z\u00e0-\u024f]{3})(?=[A-Z\u00c0-\u00de][a-z\u00e0-\u024f]{2})")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_NUMBER = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")
#: Arabic articles and particles rigour keeps as parts of their own (al-Hassan: "al",
#: "hassan"; Ben Youssef; Abd al-Rahman): the name is the part after them, so they weigh little.
_PARTICLES = frozenset({"al", "el", "ul", "ben", "bin", "ibn", "bint", "ould", "abd", "abdul",
                        "abdel"})  # fmt: skip
_CAPS_WORD = re.compile(r"^[^\W\d_]*[A-Z\u00c0-\u00de\u0391-\u03a9\u0400-\u042f][^\W\d_a-z]*$")


@dataclass(frozen=True, slots=True)
class PartBound:
    """What bounding a part's contribution needs: its symbols, its letters counted, and the
    least weight it carries when nothing matches it (a legal form or an article weigh little)."""

    symbols: frozenset[Symbol]
    letters: frozenset[str]
    unmatched_weight: float
    numeric: bool
    length: int


@dataclass(frozen=True, slots=True)
class NameBound:
    """One analysed `Name`'s parts as `symbolic_bound` reads them, computed once per name."""

    parts: tuple[PartBound, ...]
    symbols: frozenset[Symbol]
    length: int
    #: What a run of parts left unmatched weighs (`EXTRA_WEIGHTS` of the spans over exactly
    #: those parts), by their indices: `_pair_score` asks for it for every part left over.
    span_weights: Mapping[tuple[int, ...], float] = field(default_factory=dict)
    #: The indices of the parts rigour tagged as stop words (left unmatched they weigh half).
    stops: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class RName:
    """One name as rigour analyses it, with what scoring needs precomputed."""

    names: tuple[Name, ...]  # the name, and its latinised reading when written in another script
    symbols: frozenset[Symbol]
    grams: frozenset[str]  # letter trigrams of the comparable form: a cheap overlap filter
    script: str  # the script compared in its own characters ("" for Latin and the like)
    letters: str  # the name's letters in that script
    numbers: frozenset[str]
    kind: str
    bounds: tuple[NameBound, ...] = ()  # one per name in `names`


def name_bound(name: Name) -> NameBound:
    """A name's parts prepared for `symbolic_bound`."""
    by_part: dict[NamePart, set[Symbol]] = {p: set() for p in name.parts}
    span_weights: dict[tuple[int, ...], float] = {}
    for span in name.spans:
        for part in span.parts:
            by_part.setdefault(part, set()).add(span.symbol)
        key = tuple(p.index for p in span.parts)
        span_weights[key] = span_weights.get(key, 1.0) * EXTRA_WEIGHTS.get(
            span.symbol.category, 1.0
        )
    stops = frozenset(p.index for p in name.parts if p.tag == NamePartTag.STOP)
    parts = []
    for part in name.parts:
        weight = _run_weight((part.index,), span_weights, stops)
        if part.comparable in _PARTICLES:
            weight *= 0.2
        symbols = frozenset(by_part.get(part, ()))
        numeric = any(s.category == _C.NUMERIC for s in symbols)
        parts.append(
            PartBound(symbols, frozenset(part.comparable), weight, numeric, len(part.comparable))
        )
    length = sum(len(p.comparable) for p in name.parts)
    return NameBound(tuple(parts), frozenset(name.symbols), length, span_weights, stops)


def _could_spell(part: PartBound, c: NameBound) -> bool:
    """Whether a part could be a spelling (within its edit budget) of a part of the other name,
    of a piece of one, or of two run together (no longer together than the part and its
    budget): no more of its distinct letters are absent from them than its budget (a quarter
    of its length) allows. (Distinct letters: set operations, and a bound all the same.)"""
    budget = part.length // 4
    letters = part.letters
    others = c.parts
    for r in others:
        if len(letters - r.letters) <= budget:
            return True
    most = part.length + budget
    for i, r in enumerate(others):
        for s in others[i + 1 :]:
            if r.length + s.length <= most and len(letters - r.letters - s.letters) <= budget:
                return True
    return False


def symbolic_bound(q: NameBound, c: NameBound, extra_query: float, extra_listed: float,
                   person: bool, floor: float = 0.0) -> float:  # fmt: skip
    """What `_pair_score` can reach for two names at most, at the cost of counting letters.

    A part scores only in a match sharing a symbol with the other name, or in a spelling
    within the edit budget (`spelling_similarity`): a part with more letters absent from every
    part of the other name (and every two of them, run together) than its budget allows is no
    spelling of them. Parts of either name that cannot score weigh at least what they weigh
    unmatched; parts that can are counted at the most a match may weigh (a number 1.3, a family
    name 1.3 times). The listed name's parts are only looked at where the query's leave the
    bound at `floor` or above. Not covered: parts run together and split again elsewhere
    (moham medali, mohammed ali), or a cluster's edits crowded into one short part: the pair
    checks test it (tests/test_screen_pairs.py), and on bench/screening.py's 2,000 queries no
    score changed with it."""
    family = 1.3 if person else 1.0
    live = dead = 0.0
    for part in q.parts:
        if not part.symbols.isdisjoint(c.symbols):
            live += family * (1.3 if part.numeric else 1.0)
        elif _could_spell(part, c):
            live += family
        else:
            dead += extra_query * part.unmatched_weight
    if not live:
        return 0.0
    if live / (live + dead) >= floor:
        # The listed name's parts that cannot score, unless rigour puts them in one cluster
        # with the query's (Safiullah, Rahmatullah: one weight for both): the larger side.
        listed = min(extra_query, extra_listed)  # a family name the list marks: extra_query
        dead_listed = 0.0
        for part in c.parts:
            if part.symbols.isdisjoint(q.symbols) and not _could_spell(part, q):
                dead_listed += listed * part.unmatched_weight
        dead = max(dead, dead_listed)
    return live / (live + dead)


@lru_cache(maxsize=1 << 14)
def _char_script(ch: str) -> str | None:
    """The script of one character, from its Unicode name ("" for none); None for what is no
    letter, digit or mark. Cached: a name's characters recur, and the name lookup is not cheap."""
    if not ch.isalnum() and not unicodedata.category(ch).startswith("M"):
        return None  # vowel signs are marks: ហ៊ុន សែន and ហ៊ុន សាន differ only in one
    name = unicodedata.name(ch, "")
    script = name.split(" ", 1)[0] if name else ""
    if script in ("HIRAGANA", "KATAKANA") or script.startswith("CJK"):
        script = "CJK"  # Japanese kana and kanji, Chinese hanzi: one writing system
    return script


def script_of(text: str) -> tuple[str, str]:
    """The script a name is compared in character by character ("" if none), and its letters."""
    scripts: dict[str, int] = {}
    letters = []
    for ch in text:
        script = _char_script(ch)
        if script is None:
            continue
        scripts[script] = scripts.get(script, 0) + 1
        letters.append(ch)
    if not scripts:
        return "", ""
    main = max(scripts, key=lambda s: (scripts[s], s))
    if main in _LATINISED or not main:
        return "", ""
    return main, "".join(letters)


def _grams(text: str) -> frozenset[str]:
    squeezed = text.replace(" ", "")
    if len(squeezed) < 3:
        return frozenset({squeezed}) if squeezed else frozenset()
    return frozenset(squeezed[i : i + 3] for i in range(len(squeezed) - 2))


@lru_cache(maxsize=1 << 16)
def analyse(text: str, kind: str) -> RName | None:
    """A name analysed by rigour (organisations after `org_name` wrote their legal forms one
    way), or None when nothing in it is a name."""
    tag = _KINDS.get(kind, NameTypeTag.ENT)
    source = org_name(text).compare if kind in ("ORG", "ENT") else text
    if kind == "OBJ":
        source = remove_obj_prefixes(source.casefold())
    readings = [source]
    script, letters = script_of(text)
    if script or any(ord(ch) > 0x24F and ch.isalpha() for ch in source):
        latin = " ".join(name_tokens(source))
        if latin and latin != source:
            readings.append(latin)
    names: list[Name] = []
    family = _marked_family(source) if kind in ("PER", "ENT") else []
    for reading in readings:
        tags = {NamePartTag.FAMILY: family} if family and reading == source else None
        found = analyze_names(tag, [reading], tags, infer_initials=True, phonetics=False)
        names.extend(sorted(found, key=lambda n: n.comparable))
    names = [n for n in names if n.parts]
    if not names and not letters:
        return None
    symbols = frozenset(s for n in names for s in n.symbols)
    grams = frozenset(g for n in names for g in _grams(n.comparable))
    # Numbers as rigour reads them (Forty-Four and 44 are one), and digits it did not read.
    numbers = frozenset(
        [str(s.id) for s in symbols if s.category == _C.NUMERIC]
        or _NUMBER.findall(" ".join(n.comparable for n in names))
    )
    bounds = tuple(name_bound(n) for n in names)
    return RName(tuple(names), symbols, grams, script, letters, numbers, kind, bounds)


def _marked_family(text: str) -> list[str]:
    """The family name a record marks: before a comma ("AL-RAWI, Talib"), or in capitals
    beside words in mixed case ("JOVANOVIĆ Miroslav")."""
    head, comma, tail = text.partition(",")
    if comma and head.strip() and tail.strip():
        return [head.strip()]
    words = text.split()
    caps = [
        w for w in words if len(w) > 1 and _CAPS_WORD.match(w.replace("-", "").replace("'", ""))
    ]
    if caps and len(caps) < len(words):
        return caps
    return []


def query_variants(text: str, kind: str) -> list[tuple[str, str]]:
    """Other readings of a name, each with why: digits for letters, names run together in
    mixed case, leading titles dropped. Empty when there are none (the common case)."""
    out: list[tuple[str, str]] = []
    if _MIXED.search(text):
        out.append((_MIXED.sub(lambda m: m.group(0).translate(_DIGIT_LETTERS), text),
                    "digits read as letters"))  # fmt: skip
    if kind in ("PER", "ENT") and _CAMEL.search(text):
        out.append((_CAMEL.sub(" ", text), "names run together, split"))
    if kind in ("PER", "ENT"):
        words = _WORD.findall(text)
        k = 0
        while k < len(words) - 2 and words[k].casefold() in _TITLES:
            k += 1
        if k:
            out.append((" ".join(words[k:]), "title dropped"))
    return [(t, why) for t, why in out if t.strip() and t != text]


@lru_cache(maxsize=1 << 18)
def spelling_similarity(a: str, b: str, family: bool = False) -> float:
    """How alike two spellings of one part are (0–1): an edit budget that grows with the length
    of the part (one edit from 4 letters, two from 8, three from 12), each edit costing more
    than the last ((1 - d/L)^2d), and nothing beyond the budget: Orbach is not Orbán, nor
    Pezeshfar Pezeshkian; in two family names (`family`) of fewer than eight letters, one
    consonant for another is not a spelling either (`_consonant_swapped`). Numbers are never
    spelt alike (Unit 8200 is not Unit 8100)."""
    if a == b:
        return 1.0
    if _DIGIT.search(a) or _DIGIT.search(b):
        return 0.0
    length = max(len(a), len(b))
    budget = length // 4
    if budget < 1:
        return 0.0
    d = OSA.distance(a, b, score_cutoff=budget)
    if d > budget:
        return 0.0
    if family and budget == 1 and _consonant_swapped(a, b):
        return 0.0
    return float((1 - d / length) ** (2 * d))


_VOWELS = frozenset("aeiouy")


def _consonant_swapped(a: str, b: str) -> bool:
    """One consonant written for another in a short part (Kadyrov/Kadymov, Putin/Pugin, Alfa/
    Alma): another name more often than a slip, where a letter dropped, doubled or swapped with
    its neighbour, or one vowel for another (Usmanov/Usmonov), is a spelling."""
    if len(a) != len(b):
        return False
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diff) == 1 and diff[0][0] not in _VOWELS and diff[0][1] not in _VOWELS


def script_score(q: RName, c: RName) -> float:
    """Names in the same non-Latin script compared character by character: the same characters
    score 1; the share of characters that differ is taken off, raised to the power 2 + d, so one
    character of a three-character Chinese or Korean name leaves 0.30."""
    if q.letters == c.letters:
        return 1.0
    length = max(len(q.letters), len(c.letters))
    d = Levenshtein.distance(q.letters, c.letters)
    return float(max(0.0, 1 - d / length) ** (2 + d))


def _family_pair(qps: Sequence[NamePart], rps: Sequence[NamePart], q_len: int, c_len: int) -> bool:
    """Whether a match joins one family name to another: tagged so, or else each the last part
    of its name (of `q_len` and `c_len` parts)."""
    if len(qps) != 1 or len(rps) != 1:
        return False
    qp, rp = qps[0], rps[0]
    if NamePartTag.FAMILY in (qp.tag, rp.tag):
        return True
    return qp.index == q_len - 1 and rp.index == c_len - 1


def _run_weight(
    indices: tuple[int, ...], span_weights: Mapping[tuple[int, ...], float], stops: frozenset[int]
) -> float:
    """What a run of a name's parts (their indices) weighs left unmatched: a stop word half;
    otherwise the `EXTRA_WEIGHTS` of rigour's spans over exactly those parts (a legal form, a
    number), 1 for none."""
    if len(indices) == 1 and indices[0] in stops:
        return 0.5
    return span_weights.get(indices, 1.0)


def _left_weight(parts: Sequence[NamePart], bound: NameBound) -> float:
    """`_run_weight` of parts left over by a comparison, from what `name_bound` kept of their
    name (rigour builds a name's parts and spans afresh at every read of them)."""
    return _run_weight(tuple(p.index for p in parts), bound.span_weights, bound.stops)


def _pair_score(q: Name, c: Name, extra_query: float, extra_listed: float,
                family_weight: float, qb: NameBound, cb: NameBound,
                ) -> tuple[float, list[Alignment]]:  # fmt: skip
    """The best score of rigour's pairings of two names' symbols, the parts they leave
    compared by spelling; `qb` and `cb` are the names' `name_bound`s. The inner loop of
    screening: each alignment's parts are read from rigour once (every read builds them)."""
    best, best_matches = 0.0, []
    person = NameTypeTag.PER in (q.tag, c.tag)
    q_parts, c_parts = q.parts, c.parts
    q_len, c_len = len(q_parts), len(c_parts)
    for n, edges in enumerate(pair_symbols(q, c)):
        if n >= 8:  # pairings come best first; more rarely change the answer
            break
        matches: list[tuple[Alignment, tuple[NamePart, ...], tuple[NamePart, ...]]] = []
        q_used: set[int] = set()
        c_used: set[int] = set()
        for edge in edges:
            assert edge.symbol is not None
            edge.score, edge.weight = SYMBOL_SCORES.get(edge.symbol.category, (1.0, 1.0))
            eq, er = edge.qps, edge.rps
            q_used.update(p.index for p in eq)
            c_used.update(p.index for p in er)
            matches.append((edge, eq, er))
        q_rest = [p for p in q_parts if p.index not in q_used]
        c_rest = [p for p in c_parts if p.index not in c_used]
        if q_rest or c_rest:
            if person:
                q_rest, c_rest = align_person_name_order(q_rest, c_rest)
            else:
                q_rest, c_rest = NamePart.tag_sort(q_rest), NamePart.tag_sort(c_rest)
            for m in compare_parts(q_rest, c_rest):
                qps, rps = m.qps, m.rps
                if qps and rps and m.score > 0:
                    # The strict spelling budget, not rigour's looser one, over the parts the
                    # cluster joins (SergeiLavrov against Sergei Lavrov).
                    m.score = spelling_similarity(
                        "".join(p.comparable for p in qps),
                        "".join(p.comparable for p in rps),
                        person and _family_pair(qps, rps, q_len, c_len),
                    )
                matches.append((m, qps, rps))
        total = weighted = 0.0
        for m, qps, rps in matches:
            score, weight = m.score, m.weight
            if not qps and any(p.tag == NamePartTag.FAMILY for p in rps):
                # A family name the list marks is what a query almost never leaves out.
                weight = extra_query
            elif not qps:
                weight = extra_listed * _left_weight(rps, cb)
            elif not rps:
                weight = extra_query * _left_weight(qps, qb)
            if score < 1.0 and qps and rps and m.qstr == m.rstr:
                score = 1.0
            if person and any(p.tag == NamePartTag.FAMILY for p in (*qps, *rps)):
                weight *= family_weight
            if all(p.comparable in _PARTICLES for p in (*qps, *rps)):
                weight *= 0.2  # al-Tamimi and al-Hassan share only the article
            m.score, m.weight = score, weight
            total += weight
            weighted += score * weight
        score = weighted / total if total else 0.0
        if score > best:
            best, best_matches = score, [m for m, _, _ in matches]
            if score >= 1.0:
                break
    return best, best_matches


def explain(matches: list[Alignment]) -> str:
    out = []
    for m in matches:
        if not m.rstr:
            out.append(f"{m.qstr!r} unmatched")
        elif not m.qstr:
            out.append(f"{m.rstr!r} unmatched (listed)")
        elif m.symbol is not None:
            out.append(
                f"{m.qstr!r}~{m.rstr!r} {str(m.symbol.category.value).lower()} {m.score:.2f}"
            )
        else:
            out.append(f"{m.qstr!r}~{m.rstr!r} {m.score:.2f}")
    return "; ".join(out)


def symbolic_score(q: RName, c: RName, extra_query: float, extra_listed: float,
                   family_weight: float, floor: float = 0.0) -> tuple[float, str]:  # fmt: skip
    """The best agreement of two analysed names (0–1) by rigour's symbols and the strict
    spelling of what they leave, and why; 0 where it is below `floor` (rigour's comparison
    is then not run at all where `symbolic_bound` says it could not reach it)."""
    best, best_matches = 0.0, []
    for qn, qb in zip(q.names, q.bounds, strict=True):
        for cn, cb in zip(c.names, c.bounds, strict=True):
            if qn.comparable == cn.comparable:
                return 1.0, f"{cn.comparable!r} literal"
            person = NameTypeTag.PER in (qn.tag, cn.tag)
            bound = symbolic_bound(qb, cb, extra_query, extra_listed, person, max(floor, best))
            if bound < floor or bound <= best:
                continue
            score, matches = _pair_score(qn, cn, extra_query, extra_listed, family_weight, qb, cb)
            if score > best:
                best, best_matches = score, matches
    if best < floor:
        return 0.0, ""
    return best, explain(best_matches)


def object_score(q: RName, c: RName) -> tuple[float, str]:
    """Vessel, aircraft and vehicle names: the whole name spelt alike (with the budget of one
    long part), and any number in it the same."""
    best, detail = 0.0, ""
    for qn in q.names:
        for cn in c.names:
            a, b = _NUMBER.sub("", qn.comparable), _NUMBER.sub("", cn.comparable)
            s = spelling_similarity(a.replace(" ", ""), b.replace(" ", ""))
            if s > best:
                best, detail = s, f"{qn.comparable!r}~{cn.comparable!r} {s:.2f}"
    s, d = symbolic_score(q, c, 1.0, 1.0, 1.0)
    if s > best:
        best, detail = s, d
    return best, detail
