"""`corridor link` on tables of people: dedupe one, link two, every record clustered, and each
kind of bad input refused with a clear message."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import SHARED_DATA, write_csv
from corridor.errors import InputError, ValidationError
from corridor.resolve.tabular import link_tables, recognise, write_outputs
from test_cli import corridor

HEADER = ["id", "first_name", "surname", "dob", "postcode", "phone"]
PEOPLE = [
    ["1", "Miroslav", "Jovanović", "1980-05-03", "11000", "+381641234567"],
    ["2", "Мирослав", "Јовановић", "03.05.1980.", "11000", ""],
    ["3", "Ana", "Kovač", "1990-01-01", "21000", ""],
    ["4", "Ana", "Kovac", "1990-01-01", "21000", ""],
    ["5", "Omar", "Haddad", "1975-07-07", "18000", "+381651111111"],
]


def clusters_of(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as f:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(f)}


def test_dedupe_one_table_through_the_command(tmp_path: Path) -> None:
    people = write_csv(tmp_path / "people.csv", HEADER, PEOPLE)
    out, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    proc = corridor(
        "link", str(people), "--id-column", "id", "--out", str(out), "--pairs-out", str(pairs)
    )
    assert "5 records" in proc.stderr
    clusters = clusters_of(out)
    assert set(clusters) == {"1", "2", "3", "4", "5"}
    assert clusters["1"] == clusters["2"] and clusters["3"] == clusters["4"]
    assert len({clusters["1"], clusters["3"], clusters["5"]}) == 3
    with pairs.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["left_id", "right_id", "probability"]
    assert all(0 <= float(r["probability"]) <= 1 for r in rows)


def test_two_inputs_link_with_a_source_column_and_parquet(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "uk.csv", HEADER, PEOPLE[:3])
    table = pa.table({h: [row[i] for row in PEOPLE[1:]] for i, h in enumerate(HEADER)})
    b = tmp_path / "rs.parquet"
    pq.write_table(table, b)
    result = link_tables([a, b], "id")
    assert result.link_type == "link_only"
    out = tmp_path / "clusters.csv"
    write_outputs(result, out, None, sources=True)
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {(r["record_id"], r["source"]) for r in rows} == {
        *((r[0], "uk") for r in PEOPLE[:3]),
        *((r[0], "rs") for r in PEOPLE[1:]),
    }
    by = {(r["record_id"], r["source"]): r["cluster_id"] for r in rows}
    assert by[("1", "uk")] == by[("2", "rs")]


def test_columns_are_recognised_or_mapped() -> None:
    roles = recognise(["id", "Given Name", "LAST_NAME", "Date of Birth", "soc_sec_id"], "id", {})
    assert roles == {
        "given_name": ["Given Name"],
        "family_name": ["LAST_NAME"],
        "dob": ["Date of Birth"],
        "id_number": ["soc_sec_id"],
    }
    mapped = recognise(
        ["id", "ime", "prezime"], "id", {"given_name": "ime", "family_name": "prezime"}
    )
    assert mapped == {"given_name": ["ime"], "family_name": ["prezime"]}


@pytest.mark.parametrize(
    ("rows", "header", "id_column", "message", "line"),
    [
        (PEOPLE, HEADER, "record", "no id column 'record'", None),
        ([*PEOPLE, ["3", "X", "Y", "", "", ""]], HEADER, "id", "duplicate id '3' (also on line 4)", 7),
        ([["1", "", "", "", "", ""], ["", "A", "B", "", "", ""]], HEADER, "id", "empty id", 3),
    ],
)  # fmt: skip
def test_bad_tables_are_refused(tmp_path: Path, rows, header, id_column, message, line) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "in.csv", header, rows)
    with pytest.raises(InputError) as info:
        link_tables([path], id_column)
    assert message in str(info.value)
    assert info.value.file == "in.csv" and info.value.line == line


def test_unreadable_and_unusable_inputs_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "x.parquet"
    binary.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="unreadable"):
        link_tables([binary], "id")
    with pytest.raises(InputError, match="not found"):
        link_tables([tmp_path / "missing.csv"], "id")
    colours = write_csv(tmp_path / "colours.csv", ["id", "colour"], [["1", "red"], ["2", "blue"]])
    with pytest.raises(ValidationError, match="no usable fields"):
        link_tables([colours], "id")
    with pytest.raises(ValidationError, match="unknown role"):
        link_tables([colours], "id", {"favourite_colour": "colour"})
    with pytest.raises(ValidationError, match="no such column"):
        link_tables([colours], "id", {"family_name": "surname"})


def test_bad_input_through_the_command_exits_non_zero(tmp_path: Path) -> None:
    people = write_csv(tmp_path / "people.csv", HEADER, PEOPLE)
    proc = corridor(
        "link", str(people), "--id-column", "nope", "--out", str(tmp_path / "o.csv"), check=False
    )
    assert proc.returncode == 2 and "no id column 'nope'" in proc.stderr
    proc = corridor(
        "link",
        str(people),
        "--id-column",
        "id",
        "--out",
        str(tmp_path / "o.csv"),
        "--field",
        "bad",
        check=False,
    )
    assert proc.returncode == 2 and "ROLE=COLUMN" in proc.stderr


def test_febrl_3_deduplicates_well(tmp_path: Path) -> None:
    """FEBRL 3: 5,000 records, duplicates of one person share rec-N in their id."""
    result = link_tables([SHARED_DATA / "er" / "febrl_dataset3.csv"], "rec_id")
    groups: dict[str, set[str]] = {}
    for record, cluster_id, _ in result.clusters:
        groups.setdefault(cluster_id, set()).add(record)
    assert result.records == 5000
    predicted = {(a, b) for g in groups.values() for a in g for b in g if a < b}
    true = {(a, b) for a, b in predicted if a.split("-")[1] == b.split("-")[1]}
    by_person: dict[str, int] = {}
    for record, _, _ in result.clusters:
        by_person[record.split("-")[1]] = by_person.get(record.split("-")[1], 0) + 1
    expected = sum(n * (n - 1) // 2 for n in by_person.values())
    precision, recall = len(true) / len(predicted), len(true) / expected
    assert precision > 0.98 and recall > 0.9, (precision, recall)


def test_febrl_4_through_the_command_reaches_f1_0_999(tmp_path: Path) -> None:
    a, b = SHARED_DATA / "er" / "febrl_dataset4a.csv", SHARED_DATA / "er" / "febrl_dataset4b.csv"
    out = tmp_path / "clusters.csv"
    corridor("link", str(a), str(b), "--id-column", "rec_id", "--out", str(out))
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10_000 and {r["source"] for r in rows} == {
        "febrl_dataset4a",
        "febrl_dataset4b",
    }
    groups: dict[str, set[str]] = {}
    for row in rows:
        groups.setdefault(row["cluster_id"], set()).add(row["record_id"])
    predicted = {(x, y) for g in groups.values() for x in g for y in g if x < y}
    true_links = sum(1 for x, y in predicted if x.split("-")[1] == y.split("-")[1])
    precision, recall = true_links / len(predicted), true_links / 5000
    assert 2 * precision * recall / (precision + recall) >= 0.999, (precision, recall)


def test_the_trained_model_is_written_and_splink_loads_it(tmp_path: Path) -> None:
    """`--model-out` writes Splink's settings JSON: a user can inspect it, and Splink itself
    scores the table with it."""
    import json

    import duckdb
    from splink import DuckDBAPI, Linker

    out, model = tmp_path / "clusters.csv", tmp_path / "model.json"
    source = SHARED_DATA / "er" / "febrl_dataset3.csv"
    corridor("link", str(source), "--id-column", "rec_id", "--out", str(out),
             "--model-out", str(model), "--threshold", "0.9")  # fmt: skip
    settings = json.loads(model.read_text(encoding="utf-8"))
    names = {c["output_column_name"] for c in settings["comparisons"]}
    assert {"name", "dob", "postcode"} <= names
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert 0 < level["m_probability"] <= 1 and 0 < level["u_probability"] <= 1
    assert 0 < settings["probability_two_random_records_match"] < 0.05
    # Splink loads it and scores rows built by the same feature builder.
    from corridor.resolve.tabular import features_of, read_table, recognise

    table = read_table(source, "rec_id")
    rows = features_of(table, recognise(table.columns, "rec_id", {}), 0).slice(0, 300)
    db = DuckDBAPI(connection=duckdb.connect())
    linker = Linker(db.register(rows, dataset_display_name="t"), settings)
    scored = linker.inference.predict(threshold_match_probability=0.5).as_record_list()
    assert len(scored) > 0


def test_table_features_are_the_stores_features(tmp_path: Path) -> None:
    """`features_of` normalises each distinct value once; each record's row must still be what
    `person_features` (the store's feature builder) gives that record."""
    from corridor.resolve.features import PersonInput, person_features
    from corridor.resolve.table_model import table_row
    from corridor.resolve.tabular import features_of, read_table, recognise

    header = [
        "id",
        "first_name",
        "surname",
        "full_name",
        "dob",
        "sex",
        "nationality",
        "country",
        "phone",
        "mobile",
        "passport",
        "ssn",
        "postcode",
        "address1",
        "address2",
        "city",
        "street_number",
        "birth_place",
        "occupation",
        "email",
    ]
    rows = [
        ["1", "Miroslav", "Jovanović", "", "1980-05-03", "M", "Serbia", "RS", "+381641234567",
         "", "AB 123", "", "sw1a 1aa", "Knez Mihailova", "2", "Beograd", "7", "Niš", "Driver",
         "M.J@example.com"],
        ["2", "Мирослав", "Јовановић", "", "03.05.1980.", "male", "", "", "", "+381641234567",
         "", "99-1", "SW1A1AA", "Кнез Михаилова", "", "Београд", "7a", "", "", ""],
        ["3", "", "", "Ana Marija Kovač", "1990", "f", "HR", "", "", "", "", "", "", "", "", "",
         "", "Zagreb", "Nurse", ""],
        ["4", "Ana", "", "Ana Kovac", "1990-13-40", "", "", "", "", "", "", "", "21000", "", "",
         "", "", "", "", ""],
        ["5", "", "", "", "", "x", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["6", "Miroslav", "Jovanović", "", "1980-05-03", "M", "Serbia", "RS", "+381641234567",
         "", "AB 123", "", "sw1a 1aa", "Knez Mihailova", "2", "Beograd", "7", "Niš", "Driver",
         "m.j@example.com"],
        ["7", "", "Kovač", "Ana Kovač", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
         "", ""],
        ["8", "Ana Marija", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    table = read_table(write_csv(tmp_path / "people.csv", header, rows), "id")
    roles = recognise(table.columns, "id", {})
    assert roles["nationality"] == ["nationality", "country"] and len(roles["address"]) == 2
    found = features_of(table, roles, 10).to_pylist()
    for n, (row, got) in enumerate(zip(rows, found, strict=True)):
        cell = dict(zip(header, row, strict=True))

        def values(role: str, cell: dict[str, str] = cell) -> list[str]:
            return [cell[c] for c in roles.get(role, []) if cell[c]]

        given, family = values("given_name"), values("family_name")
        item = PersonInput(
            record_id=str(10 + n), source="people",
            names=[] if given or family else values("full_name"), given=given, family=family,
            dates_of_birth=values("dob"), genders=values("gender"),
            nationalities=values("nationality"), phones=values("phone"), ids=values("id_number"),
            postcode=" ".join(values("postcode")) or None,
            address=" ".join(values("address")) or None, city=" ".join(values("city")) or None,
            street_number=" ".join(values("street_number")) or None,
            birth_place=" ".join(values("birth_place")) or None,
            occupation=" ".join(values("occupation")) or None,
            email=" ".join(values("email")) or None,
        )  # fmt: skip
        expected = table_row(person_features(item))
        assert got == {**{c: expected[c] for c in got}, "record_id": 10 + n}, row[0]
    assert found[0]["keys_sorted"] == found[1]["keys_sorted"] is not None
    assert found[0]["dob"] == found[1]["dob"] == "1980-05-03"


def test_an_out_of_range_threshold_is_refused(tmp_path: Path) -> None:
    people = write_csv(tmp_path / "people.csv", HEADER, PEOPLE)
    proc = corridor("link", str(people), "--id-column", "id", "--out", str(tmp_path / "o.csv"),
                    "--threshold", "1.5", check=False)  # fmt: skip
    assert proc.returncode != 0 and "--threshold" in proc.stderr


def test_an_output_that_cannot_be_written_is_refused_before_linking(tmp_path: Path) -> None:
    people = write_csv(tmp_path / "people.csv", HEADER, PEOPLE)
    for option, value in (("--out", tmp_path / "missing" / "o.csv"), ("--model-out", tmp_path)):
        args = ["link", str(people), "--id-column", "id", "--out", str(tmp_path / "o.csv")]
        args += [option, str(value)] if option != "--out" else []
        if option == "--out":
            args[args.index("--out") + 1] = str(value)
        proc = corridor(*args, check=False)
        assert proc.returncode == 2, proc.stderr
        assert option in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_a_file_error_anywhere_in_a_command_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from corridor import cli

    def fails() -> None:
        raise PermissionError(13, "Permission denied", "report.csv")

    monkeypatch.setattr(cli, "app", fails)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    assert "report.csv: Permission denied" in capsys.readouterr().err


@pytest.mark.parametrize("inputs", [1, 2])
def test_u_is_the_share_of_random_pairs_at_each_level(tmp_path: Path, inputs: int) -> None:
    """u from the one-pass estimate, against a count over the same pairs: on a table this
    small the sample is every record, so the pairs are all pairs (across the inputs when
    there are two)."""
    import itertools
    import random

    from splink import SettingsCreator

    from corridor.resolve.engines import DuckDBEngine
    from corridor.resolve.table_model import estimate_u, spec_for_table
    from corridor.resolve.tabular import features_of, read_table

    rng = random.Random(3)
    header = ["id", "first_name", "surname", "dob", "sex"]
    rows = [
        [str(i), rng.choice(["Ana", "Marko", "Ivan"]), rng.choice(["Kovač", "Horvat"]),
         rng.choice(["1980-05-03", "1990-01-01", "1990", ""]), rng.choice(["m", "f", ""])]
        for i in range(40)
    ]  # fmt: skip
    halves = [rows] if inputs == 1 else [rows[:15], rows[15:]]
    tables, first = [], 0
    for n, part in enumerate(halves):
        table = read_table(write_csv(tmp_path / f"t{n}.csv", header, part), "id")
        tables.append(features_of(table, recognise(header, "id", {}), first))
        first += len(part)
    spec = spec_for_table(pa.concat_tables(tables))
    settings = SettingsCreator(
        link_type="dedupe_only" if inputs == 1 else "link_only",
        unique_id_column_name="record_id",
        comparisons=spec.comparisons,
        blocking_rules_to_generate_predictions=spec.blocks,
    ).create_settings_dict("duckdb")
    engine = DuckDBEngine()
    try:
        estimate_u(engine, [t.select(spec.columns) for t in tables], settings, seed=1)
    finally:
        engine.close()
    if inputs == 1:
        pairs = list(itertools.combinations(rows, 2))
    else:
        pairs = list(itertools.product(halves[0], halves[1]))

    def agreeing(column: int) -> float:
        known = [(a, b) for a, b in pairs if a[column] and b[column]]
        return sum(a[column] == b[column] for a, b in known) / len(known)

    levels = {c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]}
    gender, dob = levels["gender"], levels["dob"]
    assert gender[1]["u_probability"] == pytest.approx(agreeing(4))
    assert gender[2]["u_probability"] == pytest.approx(1 - agreeing(4))
    # Exact dates of birth: only full dates can be equal (a year alone is partial).
    full = [(a, b) for a, b in pairs if a[3] and b[3]]
    same = sum(1 for a, b in full if a[3] == b[3] and len(a[3]) == 10)
    assert dob[1]["u_probability"] == pytest.approx(same / len(full))
    for comparison in levels.values():
        counted = [lv["u_probability"] for lv in comparison if not lv.get("is_null_level")]
        found = [u for u in counted if isinstance(u, float)]
        assert sum(found) == pytest.approx(1.0)
