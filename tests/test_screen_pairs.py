"""The hand-written name pair checks (bench/data/name_pairs.csv) through the matcher: an F1
floor over all of them, the known false positives below the match threshold and the known true
pairs above it, and rules that hold for any text."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.screen.index import profile
from corridor.screen.matcher import Config, compare

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

PAIRS = Path(__file__).resolve().parents[1] / "bench" / "data" / "name_pairs.csv"
THRESHOLD = 0.7


def score(schema: str, left: str, right: str) -> float:
    return compare(profile(schema, {"name": [left]}), profile(schema, {"name": [right]}),
                   Config()).score  # fmt: skip


def test_pair_checks_reach_an_f1_floor() -> None:
    rows = list(csv.DictReader(PAIRS.open(encoding="utf-8")))
    assert len({r["category"] for r in rows}) >= 12
    tp = fp = fn = 0
    for r in rows:
        hit = score(r["schema"], r["left"], r["right"]) >= THRESHOLD
        expected = r["expected"] == "true"
        tp += hit and expected
        fp += hit and not expected
        fn += expected and not hit
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.93, (tp, fp, fn)


@pytest.mark.parametrize(
    ("schema", "left", "right"),
    [("Person", "Masoud Pezeshfar", "Masoud Pezeshkian"), ("Person", "Viktor Orbach", "Viktor Orbán"),
     ("Company", "China Petromechanical Corporation", "China Petrochemical Corporation"),
     ("Organization", "Bank of Armenia", "Bank of America"), ("Person", "习近朋", "习近平"),
     ("Person", "김종은", "김정은"), ("Company", "C.B.A. Company", "A.B.C. Company")],
)  # fmt: skip
def test_known_false_positives_stay_below_the_threshold(schema: str, left: str, right: str) -> None:
    assert score(schema, left, right) < THRESHOLD
    assert score(schema, right, left) < THRESHOLD


@pytest.mark.parametrize(
    ("schema", "left", "right"),
    [("Company", "Siemens Aktiengesellschaft", "Siemens AG"),
     ("Company", "OAO Gazprom", "Open Joint Stock Company Gazprom"),
     ("Company", "ACME LIMITED", "Acme Ltd"), ("Company", "o.O.O. Romashka", "OOO Romashka"),
     ("Person", "A. Khamenei", "Ali Khamenei"), ("Person", "J.-C. Juncker", "Jean-Claude Juncker"),
     ("Person", "Bibi Netanyahu", "Benjamin Netanyahu"), ("Person", "Barry Obama", "Barack Obama"),
     ("Organization", "Brigade Forty-Four", "Brigade 44"), ("Person", "SergeiLavrov", "Sergei Lavrov"),
     ("Person", "Ig0r Sech1n", "Igor Sechin"),
     ("Person", "President Recep Tayyip Erdoğan", "Recep Tayyip Erdoğan"),
     ("Person", "习近平", "习近平"), ("Person", "ហ៊ុន សែន", "ហ៊ុន សែន")],
)  # fmt: skip
def test_listed_true_pairs_match(schema: str, left: str, right: str) -> None:
    assert score(schema, left, right) >= THRESHOLD


@settings(max_examples=120, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30),
       st.sampled_from(["Person", "Company", "Organization", "Vessel", "LegalEntity"]))  # fmt: skip
def test_any_text_scores_in_range_deterministically(left: str, right: str, schema: str) -> None:
    first = score(schema, left, right)
    assert 0.0 <= first <= 1.0
    assert score(schema, left, right) == first


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo", "Nd", "Zs", "Pd"]),
               max_size=30))  # fmt: skip
def test_a_name_matches_itself(name: str) -> None:
    form = profile("Person", {"name": [name]})
    if form.names:
        assert score("Person", name, name) >= THRESHOLD


@pytest.mark.parametrize(
    ("left", "right"),
    [("Ramzan Kadyrov", "Ramzan Kadymov"), ("Vladimir Putin", "Vladimir Pugin"),
     ("Gennady Timchenko", "Gennady Tymoshenko"), ("Ömer Koç", "O, Kuk-Ryol")],
)  # fmt: skip
def test_other_family_names_a_letter_apart_do_not_match(left: str, right: str) -> None:
    assert score("Person", left, right) < THRESHOLD


@pytest.mark.parametrize(
    ("left", "right"),
    [("Ramzan Kadryov", "Ramzan Kadyrov"), ("Vladimir Puttin", "Vladimir Putin"),
     ("Ramzam Kadyrov", "Ramzan Kadyrov"), ("sergeilavrov", "Sergei Lavrov")],
)  # fmt: skip
def test_slips_still_match(left: str, right: str) -> None:
    """A swapped or doubled letter in a family name, a consonant in a given name, and a name
    run together in lower case are slips."""
    assert score("Person", left, right) >= THRESHOLD


def test_the_bound_on_rigours_comparison_holds_on_the_pair_checks() -> None:
    """`symbolic_bound` is never below what `_pair_score` gives, for every pair of names in the
    pair checks (both ways), so skipping a pair by it changes no score."""
    from rigour.names import NameTypeTag

    from corridor.screen.rnames import _pair_score, analyse, symbolic_bound

    kinds = {"Person": "PER", "Company": "ORG", "Organization": "ORG", "Vessel": "OBJ"}
    checked = 0
    for r in csv.DictReader(PAIRS.open(encoding="utf-8")):
        kind = kinds.get(r["schema"], "ENT")
        for left, right in ((r["left"], r["right"]), (r["right"], r["left"])):
            q, c = analyse(left, kind), analyse(right, kind)
            if q is None or c is None:
                continue
            for qn, qb in zip(q.names, q.bounds, strict=True):
                for cn, cb in zip(c.names, c.bounds, strict=True):
                    person = NameTypeTag.PER in (qn.tag, cn.tag)
                    actual, _ = _pair_score(qn, cn, 1.0, 0.35, 1.3, qb, cb)
                    assert actual <= symbolic_bound(qb, cb, 1.0, 0.35, person) + 1e-9, (left, right)
                    checked += 1
    assert checked > 300


def _weight_from_spans(parts: tuple[Any, ...], name: Any) -> float:
    """What a run of parts left unmatched weighs, read straight from rigour's analysis: a
    stop word half, else the product of `EXTRA_WEIGHTS` over the spans of exactly those parts."""
    from rigour.names import NamePartTag

    from corridor.screen.rnames import EXTRA_WEIGHTS

    if len(parts) == 1 and parts[0].tag == NamePartTag.STOP:
        return 0.5
    weight = 1.0
    for span in name.spans:
        if tuple(span.parts) == tuple(parts):
            weight *= EXTRA_WEIGHTS.get(span.symbol.category, 1.0)
    return weight


def test_a_left_over_run_of_parts_weighs_what_rigours_spans_say() -> None:
    """`_left_weight` (read from what `name_bound` kept) is what rigour's spans say, for every
    part and every span of every name in the pair checks."""
    from corridor.screen.rnames import _left_weight, analyse

    kinds = {"Person": "PER", "Company": "ORG", "Organization": "ORG", "Vessel": "OBJ"}
    checked = set()
    for r in csv.DictReader(PAIRS.open(encoding="utf-8")):
        for text in (r["left"], r["right"]):
            found = analyse(text, kinds.get(r["schema"], "ENT"))
            for name, bound in zip(found.names, found.bounds, strict=True) if found else ():
                runs = [(p,) for p in name.parts] + [tuple(span.parts) for span in name.spans]
                for parts in runs:
                    expected = _weight_from_spans(parts, name)
                    assert _left_weight(parts, bound) == expected, (text, parts)
                    checked.add(expected)
    assert {0.5, 1.0, 0.3} <= checked  # stop words, plain parts and legal forms all met
