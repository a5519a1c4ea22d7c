"""The model `corridor link` trains on any table of people: Splink's comparison library over
Corridor's normalised columns, trained without labels.

Why not the store's model (`linkage.COMPARISONS`)? That one is built for intelligence records:
few records per person, names in several scripts, priors that hold on a few hundred records,
and a Python twin of every level for linking one new record in milliseconds. A table handed to
`corridor link` is different: often tens of thousands of rows, many records per person, names
that thousands of people share. There the evidence must be weighed by how common each value
is (Splink's term-frequency adjustments), and every m must be learnt from the table itself.

So the comparisons here are Splink's own levels (exact match with term frequencies, Jaro-
Winkler and Levenshtein thresholds, columns reversed, null levels), applied to the
columns after Corridor's normalisation (latinised, transliterated, dates parsed, partial dates
kept as a year), and Corridor's cross-script name keys come in as one more level of the name
comparison: extra signal where spelling fails, not a replacement. Training: the match rate from
deterministic rules, u from random pairs, m by expectation maximisation over two or three
blocking rules chosen from the columns present; Splink's default m stands for any level EM could
not reach. Nothing here is tuned to one data set.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

from corridor.normalise.nicknames import given_name_variants
from corridor.resolve.engines import SPLINK_LOG_LEVEL, Engine
from corridor.resolve.linkage import LinkType, block_pairs
from corridor.resolve.records import FEATURE_SCHEMA

log = logging.getLogger(__name__)

#: Comparisons one optional single-column block may add, per record and at least (see
#: `spec_for_table`): a family name alone is cheap on five thousand records and the bulk of the
#: work on fifty thousand, where the composite blocks already pair most of what it would.
BLOCK_BUDGET_PER_RECORD = 5
BLOCK_BUDGET_MIN = 100_000


def table_row(features: dict[str, Any]) -> dict[str, Any]:
    """A feature row with what the comparisons need besides (`name_extras`, `outward`)."""
    return {
        **features,
        **name_extras(features.get("given_name"), features.get("family_name")),
        "postcode_outward": outward(features.get("postcode")),
    }


def name_extras(given_name: str | None, family_name: str | None) -> dict[str, Any]:
    """The first given name alone (a middle name written or not), the whole name as one string
    (first given name and family name, for exact and reversed matches weighed by frequency) and
    the full forms of the first given name (Bill and William, Saša and Aleksandar)."""
    given = (given_name or "").split()
    first = given[0] if given else None
    full = " ".join(p for p in (first, family_name) if p) or None
    variants = sorted(given_name_variants(first) | {first}) if first else None
    return {"first_given": first, "full_name": full, "given_variants": variants}


def outward(postcode: str | None) -> str | None:
    """A postcode's outward part: a UK postcode's inward part is always its last three
    characters."""
    return postcode[:-3] if postcode and len(postcode) >= 5 else None


#: What `corridor link` hands the model: the columns its comparisons and blocking rules read
#: (`spec_for_table` keeps those that carry data), each as `table_row` gives it.
TABLE_SCHEMA = pa.schema(
    [
        ("record_id", pa.int64()),  # records numbered across the inputs: Splink joins numbers
        ("first_given", pa.string()),
        ("full_name", pa.string()),
        ("given_variants", pa.list_(pa.string())),
        ("postcode_outward", pa.string()),
        *(FEATURE_SCHEMA.field(c) for c in (
            "family_name", "keys_sorted", "family_key", "given_key", "dob", "dob_year", "dob_md",
            "dob_dm", "postcode", "birth_place", "occupation", "city", "address", "street_number",
            "email", "gender", "id_number", "phones", "nationality",
        )),
    ]
)  # fmt: skip


def _has(table: pa.Table, column: str) -> bool:
    if column not in table.column_names:
        return False
    values = table.column(column)
    return bool(values.null_count < len(values))


def _name_comparison() -> Any:
    """One comparison for the whole name, so that a name's parts are not counted as
    independent evidence; each agreeing level weighed by how common the name is."""
    either_missing = (
        "(first_given_l IS NULL AND family_name_l IS NULL) OR "
        "(first_given_r IS NULL AND family_name_r IS NULL)"
    )
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="Name: exact, reversed, same keys across scripts, spelt alike",
        comparison_levels=[
            cll.CustomLevel(either_missing, "no name", base_dialect_str="duckdb").configure(
                is_null_level=True
            ),
            cll.ExactMatchLevel("full_name").configure(tf_adjustment_column="full_name"),
            cll.ColumnsReversedLevel("first_given", "family_name"),
            cll.ExactMatchLevel("keys_sorted").configure(
                tf_adjustment_column="keys_sorted", label_for_charts="same name keys"
            ),
            cll.And(
                cll.ExactMatchLevel("family_name"),
                cll.JaroWinklerLevel("first_given", 0.92),
            ).configure(label_for_charts="family name, given name spelt alike"),
            cll.And(
                cll.ExactMatchLevel("family_name"),
                cll.ArrayIntersectLevel("given_variants", 1),
            ).configure(label_for_charts="family name, given name a short form of the other"),
            cll.And(
                cll.JaroWinklerLevel("family_name", 0.92),
                cll.JaroWinklerLevel("first_given", 0.92),
            ).configure(label_for_charts="both spelt alike"),
            cll.And(
                cll.ExactMatchLevel("family_name"),
                cll.CustomLevel(
                    "(length(first_given_l) = 1 OR length(first_given_r) = 1) AND "
                    "substr(first_given_l, 1, 1) = substr(first_given_r, 1, 1)",
                    base_dialect_str="duckdb",
                ),
            ).configure(label_for_charts="family name, given initial"),
            cll.And(
                cll.JaroWinklerLevel("family_name", 0.85),
                cll.JaroWinklerLevel("first_given", 0.85),
            ).configure(label_for_charts="both spelt somewhat alike"),
            cll.ExactMatchLevel("family_name").configure(tf_adjustment_column="family_name"),
            cll.ExactMatchLevel("first_given").configure(tf_adjustment_column="first_given"),
            cll.ElseLevel(),
        ],
    )


def _dob_comparison() -> Any:
    """Dates of birth: full or partial (a year alone), typos and day-month transpositions."""
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_description="Date of birth, full or partial",
        comparison_levels=[
            cll.NullLevel("dob_year"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(
                "dob_year_l = dob_year_r AND dob_md_l = dob_dm_r",
                "day and month transposed",
                base_dialect_str="duckdb",
            ),
            # Levenshtein, not Damerau-Levenshtein: DuckDB's Damerau is six times slower, and
            # the transposition that matters in dates (day and month) has a level of its own.
            # Two dates written alike (YYYY-MM-DD) one typo apart share their year or their
            # month and day: that cheap test first spares the edit distance on most pairs.
            cll.CustomLevel(
                "(dob_year_l = dob_year_r OR dob_md_l = dob_md_r) "
                "AND levenshtein(dob_l, dob_r) <= 1",
                "one typo apart",
                base_dialect_str="duckdb",
            ),
            cll.CustomLevel(
                "dob_year_l = dob_year_r AND (dob_l IS NULL OR dob_r IS NULL)",
                "same year, one date partial",
                base_dialect_str="duckdb",
            ),
            cll.CustomLevel(
                "substr(dob_l, 1, 7) = substr(dob_r, 1, 7)",
                "same year and month",
                base_dialect_str="duckdb",
            ),
            cll.CustomLevel("dob_year_l = dob_year_r", "same year", base_dialect_str="duckdb"),
            cll.CustomLevel(
                "abs(dob_year_l - dob_year_r) <= 1", "a year apart", base_dialect_str="duckdb"
            ),
            cll.ElseLevel(),
        ],
    )


def _exact_tf(column: str, fuzzy: bool) -> Any:
    """Exact agreement weighed by frequency; spelling alike for free text."""
    levels: list[Any] = [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
    ]
    if fuzzy:
        levels.append(cll.JaroWinklerLevel(column, 0.9))
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(output_column_name=column, comparison_levels=levels)


def _postcode() -> Any:
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode").configure(tf_adjustment_column="postcode"),
            cll.LevenshteinLevel("postcode", 1),
            cll.ExactMatchLevel("postcode_outward").configure(label_for_charts="same outward code"),
            cll.ElseLevel(),
        ],
    )


@dataclass
class TableSpec:
    comparisons: list[Any]
    blocks: list[Any]
    deterministic: list[Any]
    em_blocks: list[Any]
    #: The columns that carry data: only these are handed to Splink, which reads every
    #: column of its input at each step.
    columns: list[str]


def spec_for_table(table: pa.Table, budget: int | None = None) -> TableSpec:
    """The comparisons and blocking rules the columns with data support."""
    if budget is None:
        budget = max(BLOCK_BUDGET_MIN, BLOCK_BUDGET_PER_RECORD * table.num_rows)
    has = {c for c in table.column_names if _has(table, c)}
    comparisons: list[Any] = []
    if has & {"first_given", "family_name"}:
        comparisons.append(_name_comparison())
    if "dob_year" in has:
        comparisons.append(_dob_comparison())
    if "postcode" in has:
        comparisons.append(_postcode())
    text = ("birth_place", "occupation", "city", "address")
    for column, fuzzy in [(c, True) for c in text] + [("street_number", False), ("email", False)]:
        if column in has:
            comparisons.append(_exact_tf(column, fuzzy))
    if "gender" in has:
        comparisons.append(cl.ExactMatch("gender"))
    if "id_number" in has:
        comparisons.append(
            cl.CustomComparison(
                output_column_name="id_number",
                comparison_levels=[
                    cll.NullLevel("id_number"),
                    cll.ExactMatchLevel("id_number"),
                    cll.LevenshteinLevel("id_number", 2),
                    cll.ElseLevel(),
                ],
            )
        )
    if "phones" in has:
        comparisons.append(cl.ArrayIntersectAtSizes("phones", [1]))
    if "nationality" in has:
        comparisons.append(cl.ArrayIntersectAtSizes("nationality", [1]))

    candidates: list[tuple[str, ...]] = [
        ("first_given", "family_name"),
        ("family_name", "dob_year"),
        ("first_given", "dob_year"),
        ("keys_sorted",),
        ("family_key", "given_key"),
        ("dob", "postcode"),
        ("dob", "birth_place"),
        ("postcode", "first_given"),
        ("id_number",),
        ("email",),
    ]
    blocks: list[Any] = [block_on(*b) for b in candidates if all(c in has for c in b)]
    if {"first_given", "family_name"} <= has:
        blocks.append("l.first_given = r.family_name AND l.family_name = r.first_given")
    if "phones" in has:
        blocks.append(block_on("phones", arrays_to_explode=["phones"]))
    # Single columns catch a typo in both names, while they stay affordable.
    for column in ("dob", "family_name", "postcode"):
        if column in has and block_pairs(table, column) <= budget:
            blocks.append(block_on(column))

    rules = [("full_name", "dob"), ("id_number",), ("email",), ("full_name", "postcode")]
    deterministic = [block_on(*r) for r in rules if all(c in has for c in r)]
    em = [
        b
        for b in (("first_given", "family_name"), ("dob",), ("postcode",))
        if all(c in has for c in b)
    ]
    # Two passes train every comparison: the first all but the names, the second the names.
    em_blocks = [block_on(*b) for b in em[:2]]
    # Only the columns the comparisons and rules read go to Splink, which handles every column
    # of its input at each step.
    used = {c for rule in [*candidates, *rules] if all(c in has for c in rule) for c in rule}
    used |= {c for c in ("phones", "nationality", "gender", "dob", "family_name") if c in has}
    used |= {c for c in [*text, "street_number", "email", "id_number"] if c in has}
    if has & {"first_given", "family_name"}:
        used |= {"first_given", "family_name", "full_name", "keys_sorted", "given_variants"}
    if "dob_year" in has:
        used |= {"dob", "dob_year", "dob_md", "dob_dm"}
    if "postcode" in has:
        used |= {"postcode", "postcode_outward"}
    columns = ["record_id", *sorted(used)]
    return TableSpec(comparisons, blocks, deterministic, em_blocks, columns)


#: Random pairs sampled for u.
U_PAIRS = 300_000


def in_batches(table: pa.Table, rows: int) -> pa.Table:
    """The table as record batches of at most `rows`: DuckDB gives each of its threads a batch
    of an Arrow input at a time, so a table in one batch is read, and all that follows it in
    a query (the u sample's pairs and their comparisons), by one thread."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=max(1, rows)), table.schema)


def train_table(
    engine: Engine,
    tables: Sequence[pa.Table],
    spec: TableSpec,
    link_type: LinkType,
    seed: int = 7,
) -> Any:
    """A Splink linker trained on the inputs themselves, with no labels."""
    tables = [t.select(spec.columns) for t in tables]
    inputs = [engine.register(in_batches(t, 4096), f"input_{i}") for i, t in enumerate(tables)]
    target = inputs if len(inputs) > 1 else inputs[0]
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="record_id",
        comparisons=spec.comparisons,
        blocking_rules_to_generate_predictions=spec.blocks,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    ).create_settings_dict(engine.name)
    estimate_u(engine, tables, settings, seed)
    # Splink's validation only logs warnings (silenced at `SPLINK_LOG_LEVEL`) about columns
    # missing from the input; these settings are built from the input's columns.
    linker = Linker(target, settings, log_level=SPLINK_LOG_LEVEL, validate_settings=False)
    if spec.deterministic:
        # Deterministic rules find this share of true matches on typical person tables.
        linker.training.estimate_probability_two_random_records_match(
            spec.deterministic, recall=0.7
        )
    for rule in spec.em_blocks:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except Exception as exc:
            log.info("EM on %s skipped: %s", rule, exc)
    model = smooth(linker.misc.save_model_to_json(), u_pairs=U_PAIRS)
    return Linker(target, model, log_level=SPLINK_LOG_LEVEL, validate_settings=False)


def estimate_u(
    engine: Engine,
    tables: Sequence[pa.Table],
    settings: dict[str, Any],
    seed: int,
    pairs: int = U_PAIRS,
) -> None:
    """u of every level, written into `settings`: the share of random pairs at that level.

    The estimate of Splink's `estimate_u_using_random_sampling` (records sampled, every pair
    of the sample compared, at least `pairs` pairs), but every comparison scored in one pass
    over one set of pairs, where Splink pairs and scores the sample again for each comparison:
    on a table of a thousand records that was half the time of training. A level no pair
    reached is marked as Splink marks it (and gets u from `smooth`)."""
    rng = random.Random(seed)
    if len(tables) == 1:
        n = tables[0].num_rows
        size = min(n, math.ceil(0.5 * (math.sqrt(8 * pairs + 1) + 1)))
        samples = [tables[0].take(sorted(rng.sample(range(n), size)))]
    else:
        share = min(1.0, math.sqrt(pairs / max(1, tables[0].num_rows * tables[1].num_rows)))
        samples = [
            t.take(sorted(rng.sample(range(t.num_rows), math.ceil(share * t.num_rows))))
            for t in tables
        ]
    names = [
        engine.register(in_batches(t, math.ceil(t.num_rows / 32)), f"u_sample_{i}").physical_name
        for i, t in enumerate(samples)
    ]
    columns = [c for c in tables[0].column_names if c != "record_id"]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    join = "l.record_id < r.record_id" if len(names) == 1 else "1 = 1"
    comparisons = settings["comparisons"]
    gammas = [f"g{i}" for i in range(len(comparisons))]
    cases = []
    for gamma, comparison in zip(gammas, comparisons, strict=True):
        whens = [
            f"ELSE {j}" if level["sql_condition"].strip().upper() == "ELSE"
            else f"WHEN {level['sql_condition']} THEN {j}"
            for j, level in enumerate(comparison["comparison_levels"])
        ]  # fmt: skip
        cases.append(f"CASE {' '.join(whens)} END AS {gamma}")
    sql = (
        f"SELECT {', '.join(gammas)}, COUNT(*) AS pairs FROM ("
        f"SELECT {', '.join(cases)} FROM ("
        f"SELECT {sides} FROM {names[0]} AS l INNER JOIN {names[-1]} AS r ON {join}"
        f") AS p) AS v GROUP BY {', '.join(gammas)}"
    )
    counts: list[dict[int, int]] = [{} for _ in comparisons]
    for row in engine.query(sql).to_pylist():
        for i, gamma in enumerate(gammas):
            counts[i][row[gamma]] = counts[i].get(row[gamma], 0) + row["pairs"]
    for comparison, seen in zip(comparisons, counts, strict=True):
        levels = comparison["comparison_levels"]
        counted = [j for j, level in enumerate(levels) if not level.get("is_null_level")]
        total = sum(seen.get(j, 0) for j in counted)
        for j in counted:
            found = seen.get(j, 0)
            levels[j]["u_probability"] = found / total if found else LEVEL_NOT_OBSERVED_TEXT


#: How much of each m is spread evenly over a comparison's levels (see `smooth`).
M_SMOOTHING = 0.05


def smooth(
    model: dict[str, Any], weight: float = M_SMOOTHING, u_pairs: float = U_PAIRS
) -> dict[str, Any]:
    """m spread a little over every level, in a copy of Splink's settings JSON.

    EM learns from the pairs it took for matches; when none of them happened to differ in a
    birth place, "different birth place" gets m ≈ 1e-23, and on the next table one clerk's
    different spelling of a town vetoes a match that names, date of birth and postcode all
    support. Additive smoothing (a share of each m spread evenly over the levels) keeps every
    weight finite while leaving what EM learnt in place; levels EM never reached keep Splink's
    defaults. A level no match reached gets m from the smoothing alone, and a level no random
    pair reached gets u of one in `u_pairs` (it is rarer than that among non-matches), so that
    every level of the model written out has both, as Splink and a reader expect.
    """
    out = {**model, "comparisons": []}
    for comparison in model["comparisons"]:
        levels = [dict(level) for level in comparison["comparison_levels"]]
        counted = [lv for lv in levels if not lv.get("is_null_level")]
        for level in counted:
            m = level.get("m_probability") or 0.0
            # Rounded: EM's sums run in parallel in no fixed order, and their last digits vary
            # from run to run; the model written out, and the scores, should not.
            level["m_probability"] = float(f"{(1 - weight) * m + weight / len(counted):.12g}")
            if not level.get("u_probability"):
                level["u_probability"] = 1 / u_pairs
        out["comparisons"].append({**comparison, "comparison_levels": levels})
    return out
