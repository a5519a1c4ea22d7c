"""The linkage model: comparisons and blocking chosen from the features present, trained
unsupervised with Splink (random sampling for u, expectation maximisation for m).

Blocking keeps recall across scripts because it blocks on normalised keys, never on raw text:
two records of one person written in Cyrillic and in Latin share their family-name key, a
phone, a document number or their sorted name keys, so they meet in at least one block.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import Levenshtein
from splink import Linker, SettingsCreator, block_on

from corridor.resolve.comparisons import (
    AllOf,
    Comparison,
    Custom,
    Exact,
    Intersect,
    JaroWinkler,
    Null,
    used_columns,
)
from corridor.resolve.engines import SPLINK_LOG_LEVEL, Engine

log = logging.getLogger(__name__)

LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]


def _same_year(a: Any, b: Any) -> bool:
    return a["dob_year"] is not None and bool(a["dob_year"] == b["dob_year"])


COMPARISONS: dict[str, Comparison] = {
    "name": Comparison(
        "name",
        "Names, latinised and keyed across scripts and romanisations",
        (
            Null("no name", columns=("name_keys",)),
            Exact("same name, any order", m=0.45, u=0.0001, column="sorted_name"),
            Exact("same name keys", m=0.2, u=0.0001, column="keys_sorted"),
            AllOf(
                "family name and a given name agree",
                m=0.12,
                u=0.0001,
                parts=(
                    Exact("family", column="family_key"),
                    Intersect("given", column="given_keys", min_size=1),
                ),
            ),
            # Typos change keys: each name part spelt alike. (Not Jaro-Winkler over whole names:
            # sorted, "lukic srdjan" and "lukic stefan" share a long prefix and score 0.93.)
            AllOf(
                "family and given names spelt alike",
                m=0.03,
                u=0.0005,
                parts=(
                    JaroWinkler("family", column="family_name", threshold=0.9),
                    JaroWinkler("given", column="given_name", threshold=0.9),
                ),
            ),
            Intersect("two name keys shared", m=0.12, u=0.001, column="name_keys", min_size=2),
            Intersect("one name key shared", m=0.05, u=0.02, column="name_keys", min_size=1),
        ),
        (
            "sorted_name",
            "keys_sorted",
            "name_keys",
            "family_key",
            "given_keys",
            "family_name",
            "given_name",
        ),
    ),
    "dob": Comparison(
        "dob",
        "Date of birth, full or partial",
        (
            Null("no date of birth", columns=("dob_year",)),
            Exact("same date of birth", m=0.7, u=5e-05, column="dob"),
            Custom(
                "day and month transposed",
                m=0.02,
                u=1e-06,
                sql="dob_year_l = dob_year_r AND dob_md_l = dob_dm_r",
                python=lambda a, b: (
                    _same_year(a, b) and a["dob_md"] is not None and a["dob_md"] == b["dob_dm"]
                ),
            ),
            Custom(
                "same year, one date partial",
                m=0.1,
                u=0.005,
                sql="dob_year_l = dob_year_r AND (dob_l IS NULL OR dob_r IS NULL)",
                python=lambda a, b: _same_year(a, b) and (a["dob"] is None or b["dob"] is None),
            ),
            Custom("same year", m=0.05, u=0.015, sql="dob_year_l = dob_year_r", python=_same_year),
            Custom(
                "within a year",
                m=0.06,
                u=0.03,
                sql="abs(dob_year_l - dob_year_r) <= 1",
                python=lambda a, b: abs(a["dob_year"] - b["dob_year"]) <= 1,
            ),
            Custom(
                "within five years",
                m=0.01,
                u=0.1,
                sql="abs(dob_year_l - dob_year_r) <= 5",
                python=lambda a, b: abs(a["dob_year"] - b["dob_year"]) <= 5,
            ),
        ),
        ("dob", "dob_year", "dob_md", "dob_dm"),
    ),
    "phones": Comparison(
        "phones",
        "Phone numbers (E.164); burner phones change, so a mismatch says little",
        (
            Null("no phone", columns=("phones",)),
            Intersect("a phone shared", m=0.6, u=1e-05, column="phones", min_size=1),
        ),
        ("phones",),
    ),
    "ids": Comparison(
        "ids",
        "Document and identity numbers",
        (
            Null("no document number", columns=("id_number",)),
            Exact("same document number", m=0.85, u=1e-06, column="id_number"),
            Custom(
                "document number one or two edits apart",
                m=0.1,
                u=1e-05,
                sql="levenshtein(id_number_l, id_number_r) <= 2",
                python=lambda a, b: _levenshtein(a["id_number"], b["id_number"]) <= 2,
            ),
            Intersect("a document number shared", m=0.03, u=1e-06, column="ids", min_size=1),
        ),
        ("id_number", "ids"),
    ),
    "plates": Comparison(
        "plates",
        "Vehicle plates (normalised keys)",
        (
            Null("no plate", columns=("plates",)),
            Intersect("a plate shared", m=0.9, u=1e-05, column="plates", min_size=1),
        ),
        ("plates",),
    ),
    "nationality": Comparison(
        "nationality",
        "Nationality or country",
        (
            Null("no nationality", columns=("nationality",)),
            Intersect("a nationality shared", m=0.9, u=0.3, column="nationality", min_size=1),
        ),
        ("nationality",),
    ),
    "gender": Comparison(
        "gender",
        "Gender",
        (
            Null("no gender", columns=("gender",)),
            Exact("same gender", m=0.97, u=0.5, column="gender"),
        ),
        ("gender",),
    ),
    "postcode": Comparison(
        "postcode",
        "Postcode",
        (
            Null("no postcode", columns=("postcode",)),
            Exact("same postcode", m=0.85, u=0.01, column="postcode"),
            Custom(
                "postcode one edit apart",
                m=0.1,
                u=0.05,
                sql="levenshtein(postcode_l, postcode_r) <= 1",
                python=lambda a, b: _levenshtein(a["postcode"], b["postcode"]) <= 1,
            ),
        ),
        ("postcode",),
    ),
    **{
        col: Comparison(
            col,
            label,
            (
                Null(f"no {label.lower()}", columns=(col,)),
                Exact(f"same {label.lower()}", m=0.6, u=0.01, column=col),
                JaroWinkler(f"similar {label.lower()}", m=0.25, u=0.03, column=col, threshold=0.88),
            ),
            (col,),
        )
        for col, label in (
            ("address", "Address"),
            ("city", "City"),
            ("birth_place", "Birth place"),
            ("occupation", "Occupation"),
            ("email", "Email"),
        )
    },
    # Organisations: their own name, legal form, identifier and founding comparisons (a
    # person's row leaves their columns empty, so `spec_for` leaves them out for people).
    "org_name": Comparison(
        "org_name",
        "Organisation name without its legal form, latinised and keyed across scripts",
        (
            Null("no organisation name", columns=("org_keys",)),
            Exact("same name, legal form aside", m=0.55, u=5e-05, column="org_core"),
            Exact("same name keys, any order", m=0.2, u=0.0001, column="org_core_keys"),
            # A typo, not another word: "Petrochemical" and "Petromechanical" are three edits
            # apart, and Jaro-Winkler would call "bank of armenia" and "bank of america" alike.
            Custom(
                "name one edit apart",
                m=0.08,
                u=0.0005,
                sql="levenshtein(org_core_l, org_core_r) <= 1",
                python=lambda a, b: _levenshtein(a["org_core"], b["org_core"]) <= 1,
            ),
            Intersect("two name keys shared", m=0.05, u=0.002, column="org_keys", min_size=2),
            Intersect("one name key shared", m=0.04, u=0.05, column="org_keys", min_size=1),
        ),
        ("org_keys", "org_core", "org_core_keys"),
    ),
    "legal_form": Comparison(
        "legal_form",
        "Legal form, in any language (d.o.o., DOO and LLC are one kind; a.d. and JSC another)",
        (
            Null("no legal form", columns=("org_forms",)),
            Intersect("same legal form", m=0.57, u=0.35, column="org_forms", min_size=1),
            Intersect("legal forms of one kind", m=0.41, u=0.35, column="org_kinds", min_size=1),
        ),
        ("org_forms", "org_kinds"),
    ),
    "org_ids": Comparison(
        "org_ids",
        "Registration, tax and LEI numbers",
        (
            Null("no registration number", columns=("org_ids",)),
            Intersect("a registration number shared", m=0.85, u=1e-05, column="org_ids"),
        ),
        ("org_ids",),
    ),
    "founded": Comparison(
        "founded",
        "Date of incorporation",
        (
            Null("no date of incorporation", columns=("founded_year",)),
            Exact("same date of incorporation", m=0.8, u=0.0002, column="founded"),
            Custom(
                "same year of incorporation",
                m=0.05,
                u=0.05,
                sql="founded_year_l = founded_year_r",
                python=lambda a, b: (
                    a["founded_year"] is not None and bool(a["founded_year"] == b["founded_year"])
                ),
            ),
        ),
        ("founded_year", "founded"),
    ),
    "street_number": Comparison(
        "street_number",
        "Street number",
        (
            Null("no street number", columns=("street_number",)),
            Exact("same street number", m=0.9, u=0.05, column="street_number"),
        ),
        ("street_number",),
    ),
}


def _levenshtein(a: str | None, b: str | None) -> int:
    if a is None or b is None:
        raise TypeError("null")
    return int(Levenshtein.distance(a, b))


#: Blocking rules for prediction, each used only when its columns carry data.
#: Each is a tuple of conditions joined by AND: `col` (equal), `col*` (an element of an array in
#: common) or `a=b` (one record's `a` is the other's `b`). No block is a single common value
#: (a family name alone would put every Hassan with every other at a million records).
PREDICTION_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("family_key", "given_key"),
    # Name order unknown: one record's family name is the other's given name and vice versa
    # (Serbian forms write the surname first; a British one may not).
    ("family_key=given_key", "given_key=family_key"),
    ("family_key", "dob_year"),
    ("given_key", "dob_year"),
    ("keys_sorted",),
    ("dob",),
    ("phones*",),
    ("id_number",),
    ("ids*",),
    ("plates*",),
    ("postcode", "given_key"),
    ("email",),
    ("org_core_keys",),
    ("org_ids*",),
)


def _rule(columns: Sequence[str]) -> Any:
    if any("=" in c for c in columns):
        conditions = []
        for c in columns:
            left, _, right = c.partition("=")
            conditions.append(f"l.{left} = r.{right or left}")
        return " AND ".join(conditions)
    arrays = [c.rstrip("*") for c in columns if c.endswith("*")]
    names = [c.rstrip("*") for c in columns]
    return block_on(*names, arrays_to_explode=arrays or None)


@dataclass
class ModelSpec:
    """The comparisons and blocking rules a data set supports."""

    comparisons: list[Comparison]
    blocks: list[tuple[str, ...]]

    @property
    def columns(self) -> list[str]:
        cols = used_columns(self.comparisons)
        for block in self.blocks:
            for part in block:
                for c in part.split("="):
                    if c.rstrip("*") not in cols:
                        cols.append(c.rstrip("*"))
        return cols


def _has_data(table: pa.Table, column: str) -> bool:
    if column not in table.column_names:
        return False
    values = table.column(column)
    return bool(values.null_count < len(values))


#: Single-value blocks that catch what the composite ones miss (a typo in the given name and no
#: date of birth), used only while they stay affordable: what is cheap for ten thousand records
#: is ruinous for a million (every Hassan with every other).
AFFORDABLE_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("family_key",),
    ("given_key",),
    ("postcode",),
    ("address",),
    ("org_lead",),
    ("org_tail",),
)
#: Comparisons one optional block may add.
BLOCK_BUDGET = 1_000_000


def _max_len(table: pa.Table, column: str) -> int:
    lengths = pc.list_value_length(table.column(column)).drop_null()
    return int(pc.max(lengths).as_py() or 0) if len(lengths) else 0


def block_pairs(table: pa.Table, column: str) -> int:
    """Pairs a single-column block would generate (sum over values of n·(n-1)/2)."""
    counts = pc.value_counts(table.column(column).drop_null())
    return sum(n * (n - 1) // 2 for n in counts.field("counts").to_pylist())


def spec_for(table: pa.Table, budget: int = BLOCK_BUDGET) -> ModelSpec:
    """Use every comparison whose columns carry data, and every block whose columns do; single-
    value blocks only within the budget of pairs they would add."""
    comparisons = [c for c in COMPARISONS.values() if _has_data(table, c.columns[0])]
    blocks = [
        b
        for b in PREDICTION_BLOCKS
        if all(_has_data(table, c.rstrip("*")) for part in b for c in part.split("="))
    ]
    # An exploded array block adds only what its first element's block misses: skip it when
    # no record has more than one value (the common case of one document number per record).
    blocks = [b for b in blocks if not (b == ("ids*",) and _max_len(table, "ids") <= 1)]
    affordable = [
        b[0] for b in AFFORDABLE_BLOCKS
        if _has_data(table, b[0]) and block_pairs(table, b[0]) <= budget
    ]  # fmt: skip
    # A composite block on an affordable column finds nothing that column alone does not.
    blocks = [b for b in blocks if not any(c in affordable for c in b)]
    blocks.extend((c,) for c in affordable)
    return ModelSpec(comparisons, blocks)


#: Below this many records, EM has too few matches to learn from and the priors stand.
EM_MIN_RECORDS = 1_000


def train(
    engine: Engine,
    tables: Sequence[pa.Table],
    spec: ModelSpec,
    link_type: LinkType,
    max_pairs: float = 1e5,
) -> Any:
    """A trained Splink linker over the registered inputs.

    u comes from random pairs and the match rate from deterministic rules, both reliable at any
    size. m starts from each level's prior; expectation maximisation refines it only when there
    are enough records, and a failed or degenerate EM pass is discarded, never half-applied.
    """
    inputs = [engine.register(t, f"input_{i}") for i, t in enumerate(tables)]
    target = inputs if len(inputs) > 1 else inputs[0]
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="record_id",
        comparisons=[c.splink() for c in spec.comparisons],
        blocking_rules_to_generate_predictions=[_rule(b) for b in spec.blocks],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
    linker = Linker(target, settings, log_level=SPLINK_LOG_LEVEL)
    priors = linker.misc.save_model_to_json()
    # The match rate comes from the strictest rule the data support: a name and date of birth
    # for people, a name for organisations, a shared plate for vehicles, a document number or
    # a phone otherwise.
    rules = (("keys_sorted", "dob"), ("keys_sorted",), ("family_key", "given_key"),
             ("org_core_keys",), ("plates*",), ("id_number",), ("phones*",))  # fmt: skip
    deterministic = [r for r in rules if all(c.rstrip("*") in spec.columns for c in r)]
    if deterministic:
        linker.training.estimate_probability_two_random_records_match(
            [_rule(deterministic[0])], recall=0.7
        )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=max_pairs, seed=7, min_count_per_level=None, num_chunks=1
    )
    model = linker.misc.save_model_to_json()
    sizes = [t.num_rows for t in tables]
    possible = sizes[0] * sizes[1] if len(sizes) == 2 else sizes[0] * (sizes[0] - 1) // 2
    sampled = min(max_pairs, possible)
    if sum(t.num_rows for t in tables) >= EM_MIN_RECORDS:
        for block in _em_blocks(spec):
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    _rule(block), fix_probability_two_random_records_match=True
                )
            except Exception as exc:  # degenerate EM (too few pairs, underflow): keep model
                # A failed session may leave the linker half-updated: start again from the
                # last good model (a rare path, so the rebuild cost does not matter).
                log.info("EM on %s discarded: %s", block, exc)
                linker = Linker(target, model, log_level=SPLINK_LOG_LEVEL)
                continue
            model = linker.misc.save_model_to_json()
    return Linker(target, regularise(model, priors, sampled), log_level=SPLINK_LOG_LEVEL)


#: How many sampled random pairs the u priors are worth.
U_PRIOR_PAIRS = 2_000
#: The match rate is capped: on a handful of records that are mostly duplicates, the estimate
#: would say most random pairs match, which no real store of intelligence records is like.
MAX_MATCH_RATE = 0.05


def regularise(
    model: dict[str, Any],
    priors: dict[str, Any],
    sampled_pairs: float = 0,
    weight: float = 0.2,
    u_floor: float = 1e-7,
) -> dict[str, Any]:
    """Blend the trained m and u with the priors, and keep weights ordered, in a copy.

    EM overfits when matches are few: if every pair it took for a match shared an address, a
    different address gets m ≈ 1e-58 and one field vetoes a match that names, date of birth and
    phones all support. Keeping a share of the prior keeps every weight finite; levels EM never
    saw keep their prior. u from random pairs is first cleared of the true matches among them,
    then blended with its prior in proportion to the number of pairs sampled, so four records
    do not teach that names usually agree.
    """
    prior = {
        (c["output_column_name"], i): (lv.get("m_probability"), lv.get("u_probability"))
        for c in priors["comparisons"]
        for i, lv in enumerate(c["comparison_levels"])
    }
    share = sampled_pairs / (sampled_pairs + U_PRIOR_PAIRS)
    lam = min(float(model.get("probability_two_random_records_match") or 1e-4), MAX_MATCH_RATE)
    out = {
        **model,
        "comparisons": [],
        "probability_two_random_records_match": lam,
    }
    for comparison in model["comparisons"]:
        levels = [dict(level) for level in comparison["comparison_levels"]]
        ceiling = math.inf  # the weight of the level above: a vaguer level never outweighs it
        for i, level in enumerate(levels):
            if level.get("is_null_level"):
                continue
            m_prior, u_prior = prior.get((comparison["output_column_name"], i), (None, None))
            m_prior, u_prior = m_prior or 0.01, u_prior or 0.01
            m = level.get("m_probability")
            m = m_prior if m is None else (1 - weight) * m + weight * m_prior
            u_seen = level.get("u_probability")
            if u_seen is not None:
                # "Random" pairs include the true matches (a share λ of them), which crowd the
                # agreeing levels: on a few hundred records of people known twice, identical
                # names look common. Take the matches' expected share back out.
                u_seen = max((u_seen - lam * m) / (1 - lam), 0.0)
            u = u_prior if u_seen is None else share * u_seen + (1 - share) * u_prior
            u = max(u, u_floor)
            if math.log2(m / u) > ceiling:
                m = u * 2**ceiling
            ceiling = math.log2(m / u)
            level["m_probability"], level["u_probability"] = m, u
        out["comparisons"].append({**comparison, "comparison_levels": levels})
    return out


def _em_blocks(spec: ModelSpec) -> list[tuple[str, ...]]:
    """Two EM passes on different blocks, so every comparison gets trained in one of them."""
    candidates = [("family_key", "given_key"), ("dob",), ("given_key", "dob_year"), ("phones*",),
                  ("postcode",)]  # fmt: skip
    available = set(spec.columns)
    return [b for b in candidates if all(c.rstrip("*") in available for c in b)][:1]
