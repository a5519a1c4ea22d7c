"""The screening matcher: one score per candidate, and the reasons for it, feature by feature.

Names are compared part by part: each part of the query name is aligned with the best part of
the listed name, by shared key (the same name in another script or romanisation) or by spelling
(typos), in any order. Unaligned parts cost less when they are middle names a source dropped.
The other features then adjust the name score: a matching document number lifts it, a different
birth year, family name, gender or nationality lowers it. The weights are configuration (and
shown by `GET /algorithms`); the defaults are tuned on the evaluation set in bench/screening.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from followthemoney import model

from corridor.errors import ValidationError
from corridor.plugins import Algorithm
from corridor.screen.index import NameForm, Profile
from corridor.screen.rnames import (
    RName,
    analyse,
    object_score,
    script_score,
    spelling_similarity,
    symbolic_score,
)

#: corridor-v1's weights, each with what it does: `GET /algorithms` shows them, and a request's
#: `weights` override them by name. The defaults are tuned on bench/screening.py's evaluation set.
WEIGHTS: dict[str, tuple[float, str]] = {
    "weak_alias": (0.8, "A weak alias counts this much of a strong name."),
    "middle_name_cost": (0.35, "An unaligned part of the listed name (often a middle name a "
                               "query leaves out) costs this much of an aligned one."),
    "nickname": (0.9, "A recorded short form of the same given name (Bibi, Benjamin) counts "
                      "this much of a part."),
    "initial": (0.7, "An initial agreeing with a part (J., Juncker) counts this much of it."),
    "extra_query_part": (1.0, "A part of the query's name found nowhere in the listed name weighs "
                              "this much (rigour's comparison)."),
    "family_name_weight": (1.3, "A family name weighs this much more than a given name "
                                "(rigour's comparison)."),
    "key_only": (0.6, "Two Latin parts with the same key (consonants) spelt further apart than a "
                      "slip count this much (rigour's symbols may still join them)."),
    "org_word_substituted": (0.8, "Two organisation names each holding a word the other "
                                  "lacks (one word put for another): the score is multiplied "
                                  "by this."),
    "spelling_only": (0.0, "1: also compare names with no part in common by key (spelling "
                           "alone); 0: do not."),
    "number_mismatch": (0.6, "Different numbers in two names (both written): the score is "
                             "multiplied by this."),
    "symbolic_below": (0.8, "rigour's comparison is run where the keys' score is below this."),
    "symbolic_floor": (0.6, "rigour's comparison counts only where it reaches this (and is "
                            "not run where a bound says it cannot)."),
    "one_word": (0.85, "Two one-word names (nicknames) that agree count this much."),
    "full_name_conflict": (0.6, "One word in common while the full names differ: the score is "
                                "multiplied by this."),
    "family_name_mismatch": (0.45, "Family names differ while given names agree: the score is "
                                   "multiplied by this."),
    "dob_exact": (0.05, "The same date of birth adds this much."),
    "dob_year_mismatch": (0.4, "Birth years more than a year apart take this much off."),
    "dob_year_near": (0.05, "Birth years a year apart take this much off."),
    "nationality_mismatch": (0.15, "Different nationalities or countries (both known) take "
                                   "this much off."),
    "gender_mismatch": (0.35, "Different genders (both known) take this much off."),
    "identifier_match": (0.3, "A document number in common adds this much (to a score of at "
                              "least 0.85)."),
    "identifier_mismatch": (0.1, "Different document numbers (both known) take this much off."),
}  # fmt: skip


@dataclass(frozen=True)
class Config:
    """Weights of the features (the yente `weights` of a request override them by name)."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: {name: default for name, (default, _) in WEIGHTS.items()}
    )

    def with_weights(self, overrides: Mapping[str, float]) -> Config:
        unknown = sorted(set(overrides) - set(self.weights))
        if unknown:
            raise ValidationError(f"unknown weight {unknown[0]!r}", "weights")
        return replace(self, weights={**self.weights, **overrides})


@dataclass(frozen=True, slots=True)
class Feature:
    score: float
    detail: str | None = None
    query: str | None = None
    candidate: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "detail": self.detail, "query": self.query,
                "candidate": self.candidate}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Result:
    score: float
    explanations: dict[str, Feature]

    @property
    def features(self) -> dict[str, float]:
        return {k: round(v.score, 4) for k, v in self.explanations.items()}


FEATURE_DOCS = {
    "name": "Names aligned part by part across scripts, romanisations, orders and typos; one-word "
    "names (nicknames) are weak, and weaker still when the full names differ.",
    "weak_alias": "The best name was a weak alias of the listed entity.",
    "family_name_mismatch": "The family (or tribal) names differ while given names agree.",
    "identifier": "A passport, identity or registration number in common (or in conflict).",
    "dob": "Date of birth: exact, same year, a year apart, or years apart.",
    "nationality": "Nationality or country: different where both are known.",
    "gender": "Gender: different where both are known.",
    "phone": "A phone number in common.",
    "plate": "A vehicle plate in common.",
}


def _align(q: NameForm, c: NameForm, w: Mapping[str, float]) -> list[tuple[int, int, float]]:
    """Greedy best alignment of query parts to candidate parts: (q index, c index, similarity).

    Parts align by key (the same name in another script or romanisation, similarity 1); or,
    failing that, as a recorded short form of the same given name (Bibi/Benjamin, Saša/
    Aleksandar: `nickname`), as an initial of the part (J./Juncker: `initial`), or by spelling
    within an edit budget scaled by the part's length (`spelling_similarity`: typos, not other
    names a letter or two apart). Only parts no key joined are tried the other ways."""
    pairs: list[tuple[float, int, int]] = []
    index = c.key_index
    unkeyed = []
    vowels_unwritten = q.abjad or c.abjad
    # A name romanised by machine from a script of its own (Chinese, Korean, Khmer, …) is
    # short syllables: a key says nothing there (Zheng, Zhang), only the spelling does.
    key_only = 0.0 if q.script_keys or c.script_keys else w["key_only"]
    for i, (qk, qa) in enumerate(zip(q.part_keys, q.alt_keys, strict=True)):
        js = index.get(qk, ()) + index.get(qa, ()) if qa else index.get(qk, ())
        if js:
            if vowels_unwritten:
                pairs.extend((1.0, i, j) for j in js)
            else:
                # A key keeps the consonants: in two Latin spellings the vowels are written,
                # and names apart by them are other names (Zheng/Zhang, Juan/Jian, Hussain/
                # Hasan). The spelling decides, and rigour's symbols (a known variant of the
                # same name) can still raise the score in `_name_score`.
                qs = q.spelt[i]
                found = [(sim, i, j) for j in js
                         if (sim := max(_romanised_alike(qs, c.spelt[j]), key_only))]  # fmt: skip
                if found:
                    pairs.extend(found)
                else:
                    unkeyed.append(i)
        else:
            unkeyed.append(i)
    if unkeyed:
        keyed = {j for _, _, j in pairs}
        nickname, initial = w["nickname"], w["initial"]
        mixed = (q.kind == "PER") != (c.kind == "PER")
        c_parts, c_variants = c.parsed.parts, c.variants
        for i in unkeyed:
            qs = q.spelt[i]
            q_part = q.parsed.parts[i]
            q_variants = q.variants[i]
            lq = len(qs)
            q_initial = len(q_part) == 1
            for j, cs in enumerate(c.spelt):
                if j in keyed:
                    continue
                c_part = c_parts[j]
                if q_initial or len(c_part) == 1:
                    # A one-letter family name the list marks is a name (O, Kuk-Ryol), not an
                    # initial; nor, to a person's name, the letters of an entity's (S.A.).
                    if (
                        mixed
                        or q_part[0] != c_part[0]
                        or len(q_part) == len(c_part)
                        or (len(c_part) == 1 and j in c.family)
                        or (q_initial and i in q.family)
                    ):
                        continue
                    pairs.append((initial, i, j))
                    continue
                # A spelling is within a quarter of the longer part's letters: parts further
                # apart in length are none (the check that saves most of the calls).
                lc = len(cs)
                if (lq - lc > lq // 4) if lq >= lc else (lc - lq > lc // 4):
                    sim = 0.0
                else:
                    family_pair = i in q.family_at and j in c.family_at
                    sim = spelling_similarity(qs, cs, family_pair)
                if not sim and not q_variants.isdisjoint(c_variants[j]):
                    sim = nickname
                if sim:
                    pairs.append((sim, i, j))
    if len(pairs) > 1:
        pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_q: set[int] = set()
    used_c: set[int] = set()
    out = []
    for sim, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        out.append((i, j, sim))
    return out


_DOUBLED = re.compile(r"(.)\1+")
_VOWEL_SPELLINGS = (("ou", "u"), ("oo", "u"), ("ee", "i"))


@lru_cache(maxsize=1 << 18)
def _romanised_alike(a: str, b: str) -> float:
    """How alike two spellings of parts with the same key are, once the ways romanisations
    write one vowel or consonant are set aside: doubled letters and the French ou or English
    ee and oo for u and i (Youssef/Yusuf, Sameer/Samir, Hassan/Hasan). What is left apart is
    another name's vowel (Zheng/Zhang, Hussain/Hasan)."""
    sim = spelling_similarity(a, b)
    if sim == 1.0:
        return sim
    na, nb = _DOUBLED.sub(r"\1", a), _DOUBLED.sub(r"\1", b)
    for old, new in _VOWEL_SPELLINGS:
        na, nb = na.replace(old, new), nb.replace(old, new)
    return max(sim, spelling_similarity(na, nb))


def _key_score(q: NameForm, c: NameForm, w: Mapping[str, float]) -> tuple[float, str]:
    """Corridor's romanisation keys: parts aligned across scripts, spellings and orders."""
    qp, cp = q.parsed, c.parsed
    if len(qp.parts) == 1 and len(cp.parts) == 1:
        # One word each (a nickname, a kunya, an acronym): keys drop vowels, so on one word
        # they say little (Itso and AUC share one); the spelling must agree, and even then one
        # word is weak evidence.
        sim = spelling_similarity(q.spelt[0], c.spelt[0])
        if not sim:
            return 0.0, "one word, spelt differently"
        return sim * w["one_word"], "one word"
    if (
        qp.keys == cp.keys
        and len(qp.parts) == len(cp.parts)
        and (qp.parts == cp.parts or all(len(p) > 1 for p in qp.parts))
        and (q.abjad or c.abjad or sorted(q.spelt) == sorted(c.spelt))
    ):
        return 1.0, "same name parts"
    if q.key_set.isdisjoint(c.key_set) and w["spelling_only"] < 1:
        # Not one part in common by key: spelling alone (a typo in every part) is not tried,
        # which keeps a query's cost to the names that can be it.
        return 0.0, "no part in common"
    aligned = _align(q, c, w)
    # An initial or a nickname alone is no evidence: some part must agree by key or spelling.
    if not any(sim >= 0.5 and len(qp.parts[i]) > 1 and sim != w["nickname"]
               for i, _, sim in aligned):  # fmt: skip
        return 0.0, "no parts aligned"
    matched = sum(sim for _, _, sim in aligned)
    n = len(aligned)
    cost_q = len(qp.parts) - n
    # Extra parts on the listed side are often middle names a query leaves out.
    extra_c = len(cp.parts) - n
    cost_c = extra_c * w["middle_name_cost"] if n >= 2 else extra_c
    if n >= 2 and c.family and not q.family:
        # ... but not a family name the list marks (with a comma or capitals), unless the
        # query marks its own: a query almost never leaves the family name out.
        aligned_c = {j for _, j, _ in aligned}
        missing = sum(1 for j in c.family if j not in aligned_c)
        cost_c += missing * (1 - w["middle_name_cost"])
    score = matched / (n + cost_q + cost_c)
    detail = f"{n} of {len(qp.parts)} parts aligned"
    # Given names agreeing while family (or tribal) names differ is a different person.
    if q.family and c.family and not any(i in q.family and j in c.family for i, j, _ in aligned):
        score *= w["family_name_mismatch"]
        detail += "; family names differ"
    return score, detail


def _related(q: RName, c: RName) -> bool:
    """Whether two names have enough in common for rigour's comparison to be worth running (it
    costs ten times the keys'): half the query's parts each sharing a symbol with the listed
    name (a part carries several: Sergei is three name entities, which must count once), or
    half their letter trigrams (names run together, a typo in each part)."""
    # Most listed names a query is compared with share nothing with it: the two checks below
    # each start with a test that builds no set (a part's symbols are its name's).
    if not q.grams.isdisjoint(c.grams):
        shared = len(q.grams & c.grams)
        if shared >= 3 and 2 * shared >= min(len(q.grams), len(c.grams)):
            return True
    first = q.bounds[0]
    symbols = c.symbols
    if first.symbols.isdisjoint(symbols):
        return False
    need = max(1, (len(first.parts) + 1) // 2)
    for p in first.parts:
        if not p.symbols.isdisjoint(symbols):
            need -= 1
            if not need:
                return True
    return False


def _unexplained(a: NameForm, b: NameForm) -> bool:
    """Whether a word of `a` (not a letter, not a number) has neither a key, a spelling nor a
    symbol of rigour's (Co and Company, Corp and Corporation) in `b`: a word `b` lacks."""
    b_symbols = b.rn.symbols if b.rn is not None else frozenset()
    for i, part in enumerate(a.parsed.parts):
        if len(part) < 2 or part.isdigit():
            continue
        keys = {a.part_keys[i], a.alt_keys[i]} - {""}
        if not keys.isdisjoint(b.key_set):
            continue
        if any(spelling_similarity(a.spelt[i], other) for other in b.spelt):
            continue
        word = analyse(part, "ORG")
        if word is not None and not word.symbols.isdisjoint(b_symbols):
            continue
        return True
    return False


def _substituted(q: NameForm, c: NameForm) -> bool:
    """Two organisation names each holding a word the other lacks: one word put for another
    (Ghaed Bassir Petrochemical / Institute Products Company), where a word left out (Korea
    National Insurance [Corporation]) or a legal form written another way is not."""
    return _unexplained(q, c) and _unexplained(c, q)


def _leave_out_cost(
    q: NameForm, c: NameForm, w: Mapping[str, float], holders: Callable[[tuple[str, ...]], int]
) -> tuple[float, int]:
    """What a listed part the query leaves out costs, and in how many listed names the query's
    parts all are (0: not asked). A middle name left out is cheap when what the query does give
    picks out this listed person; when its parts are in many listed names (Mohammed Khalil is
    part of a dozen), the query is as much any of them, and a part left out costs up to a whole
    part: `middle_name_cost` + (1 - it) × (1 - B/A), A the listed names holding the query's
    parts, B those holding all of this listed name's (the same person on other lists)."""
    cost = w["middle_name_cost"]
    if len(c.parsed.parts) <= len(q.parsed.parts):
        return cost, 0
    many = holders(q.part_keys)
    if many <= 1:
        return cost, many
    these = max(holders(c.part_keys), 1)
    if many <= these:
        return cost, many
    return cost + (1 - cost) * (1 - these / many), many


def _name_score(
    q: NameForm,
    c: NameForm,
    w: Mapping[str, float],
    beat: float = 0.0,
    holders: Callable[[tuple[str, ...]], int] | None = None,
) -> tuple[float, str]:
    """How well two names agree (0–1), and why: the inner loop of matching, so it returns a
    plain tuple and the `Feature` is built once, for the best name. `beat` is the score another
    pair of names of the same entities already reached: rigour's comparison is not run where it
    cannot do better (a score it would not raise is the same score).

    Names in the same non-Latin script (Chinese, Korean, Khmer, …) are compared character by
    character in it; vessels and other objects as whole names with their numbers; everything
    else both by Corridor's romanisation keys and by rigour's symbols, the better counting."""
    qr, cr = q.rn, c.rn
    if qr is not None and cr is not None and qr.script and qr.script == cr.script:
        score = script_score(qr, cr)
        detail = f"compared in {qr.script.lower()} script"
    elif qr is not None and cr is not None and "OBJ" in (q.kind, c.kind):
        score, detail = object_score(qr, cr)
    else:
        many = 0
        if holders is not None and q.parsed.parts:
            cost, many = _leave_out_cost(q, c, w, holders)
            if cost != w["middle_name_cost"]:
                w = {**w, "middle_name_cost": cost}
            else:
                many = 0
        score, detail = _key_score(q, c, w) if q.parsed.parts and c.parsed.parts else (0.0, "")
        # One word each is a nickname or a kunya: weak evidence, as `_key_score` weighs it.
        one_word = len(q.parsed.parts) == 1 and len(c.parsed.parts) == 1 and c.kind != "ORG"
        # Keys that already agree this well leave rigour little to add, at ten times the cost.
        if (
            score < w["symbolic_below"]
            and not one_word
            and qr is not None
            and cr is not None
            and qr.names
            and cr.names
            and _related(qr, cr)
        ):
            s, d = symbolic_score(qr, cr, w["extra_query_part"], w["middle_name_cost"],
                                  w["family_name_weight"],
                                  max(w["symbolic_floor"], score, beat))  # fmt: skip
            if "family names differ" in detail:
                # Corridor's parse knows the family names (a comma, capitals, an article);
                # rigour's, given only the text, does not: the same rule holds for both.
                s *= w["family_name_mismatch"]
                d += "; family names differ"
            if s > score:
                score, detail = s, d
        if many:
            detail += f"; the query's parts are in {many} listed names"
    if (
        score > 0
        and "ORG" in (q.kind, c.kind)
        and "PER" not in (q.kind, c.kind)
        and _substituted(q, c)
    ):
        score *= w["org_word_substituted"]
        detail += "; a word of each name has no counterpart in the other"
    if (
        qr is not None
        and cr is not None
        and score > 0
        and qr.numbers.isdisjoint(cr.numbers)  # Forty-Four reads as 44, 40 and 4
        and (
            (qr.numbers and cr.numbers) or ("OBJ" in (q.kind, c.kind) and qr.numbers != cr.numbers)
        )
    ):
        score *= w["number_mismatch"]  # Brigade 44 is not Brigade 45, nor Grace 1 Grace 2
        detail += "; numbers differ"
    if q.note:
        detail = f"{detail} ({q.note})"
    if c.weak:
        score *= w["weak_alias"]
    return score, detail


def compare_names(q: NameForm, c: NameForm, config: Config) -> Feature:
    """How well two names agree (0–1), with the aligned parts as the detail."""
    if (q.rn is None and not q.parsed.parts) or (c.rn is None and not c.parsed.parts):
        return Feature(0.0)
    score, detail = _name_score(q, c, config.weights)
    return Feature(score, detail, q.text, c.text)


def compare(query: Profile, candidate: Profile, config: Config) -> Result:
    """Score a listed entity against a query, explaining each feature."""
    w = config.weights
    explanations: dict[str, Feature] = {}
    score = 0.0
    best: tuple[float, str, NameForm, NameForm] | None = None
    best_full = -1.0  # the best agreement of two full (several-part) names; -1: none to compare
    for qn in query.names:
        for cn in candidate.names:
            full = len(qn.parsed.parts) > 1 and len(cn.parsed.parts) > 1
            full = full and not cn.weak and not qn.note
            # A pair that cannot beat the best so far need not be scored exactly, unless it is
            # two full names whose agreement below decides the one-word rule.
            beat = best[0] if best is not None and (not full or best_full >= 0.5) else 0.0
            s, detail = _name_score(qn, cn, w, beat, query.holders)
            if best is None or s > best[0]:
                best = (s, detail, qn, cn)
            if full:
                best_full = max(best_full, s)
        if best is not None and best[0] >= 1.0:
            break  # no name can do better
    if best is not None:
        score, detail, qn, cn = best
        if detail == "one word" and 0 <= best_full < 0.5:
            # The same nickname on two people whose full names differ: two people.
            score *= w["full_name_conflict"]
            detail = "one word in common; full names differ"
        explanations["name"] = Feature(score, detail, qn.text, cn.text)
        if cn.weak:
            explanations["weak_alias"] = Feature(w["weak_alias"], "matched a weak alias")
        if "family names differ" in detail:
            explanations["family_name_mismatch"] = Feature(w["family_name_mismatch"], detail)

    shared_phones = query.phones & candidate.phones
    if shared_phones:
        explanations["phone"] = Feature(1.0, "phone in common", next(iter(shared_phones)))
        score = max(score, 1.0)
    shared_plates = query.plates & candidate.plates
    if shared_plates:
        explanations["plate"] = Feature(1.0, "plate in common", next(iter(shared_plates)))
        score = max(score, 1.0)

    if query.ids and candidate.ids:
        shared = query.ids & candidate.ids
        if shared:
            value = next(iter(sorted(shared)))
            explanations["identifier"] = Feature(
                w["identifier_match"], "identifier in common", value, value
            )
            score = max(score, 0.85) + w["identifier_match"]
        else:
            explanations["identifier"] = Feature(-w["identifier_mismatch"], "identifiers differ")
            score -= w["identifier_mismatch"]

    if query.dates and candidate.dates:
        delta, detail = _dob(query, candidate, w)
        explanations["dob"] = Feature(
            delta, detail, str(query.dates[0].iso), str(candidate.dates[0].iso)
        )
        score += delta

    if query.countries and candidate.countries:
        if query.countries & candidate.countries:
            explanations["nationality"] = Feature(0.0, "a country in common")
        else:
            explanations["nationality"] = Feature(
                -w["nationality_mismatch"], "countries differ",
                ",".join(sorted(query.countries)), ",".join(sorted(candidate.countries)),
            )  # fmt: skip
            score -= w["nationality_mismatch"]

    if query.genders and candidate.genders and not query.genders & candidate.genders:
        explanations["gender"] = Feature(-w["gender_mismatch"], "genders differ")
        score -= w["gender_mismatch"]
    return Result(max(0.0, min(1.0, score)), explanations)


def _dob(query: Profile, candidate: Profile, w: Mapping[str, float]) -> tuple[float, str]:
    best = None
    for a in query.dates:
        for b in candidate.dates:
            if a.year == b.year and a.month and a.month == b.month and a.day and a.day == b.day:
                return w["dob_exact"], "same date of birth"
            gap = abs(a.year - b.year)
            best = gap if best is None else min(best, gap)
    if best == 0:
        return 0.0, "same year of birth"
    if best == 1:
        return -w["dob_year_near"], "birth years a year apart"
    return -w["dob_year_mismatch"], f"birth years {best} years apart"


@lru_cache(maxsize=1024)
def can_match(query_schema: str, candidate_schema: str) -> bool:
    """Schemata that may describe the same thing (a Person is never a Company; a Vehicle only a
    Vehicle; a phone, any entity with phones)."""
    if query_schema in ("UserAccount", "Thing") or candidate_schema == "UserAccount":
        return True
    if query_schema == "Vehicle" or candidate_schema == "Vehicle":
        return query_schema == candidate_schema
    q, c = model.get(query_schema), model.get(candidate_schema)
    if q is None or c is None:
        return False
    return q.is_a(c) or c.is_a(q) or bool(q.can_match(c))


CORRIDOR_V1 = Algorithm(
    description="Names aligned part by part across scripts and romanisations, adjusted by dates "
    "of birth, identifiers, nationality and gender.",
    features=FEATURE_DOCS,
    config=Config(),
    config_docs={name: doc for name, (_, doc) in WEIGHTS.items()},
    compare=compare,
)
