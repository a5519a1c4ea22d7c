"""`corridor link`: deduplicate one table of people, or link two, with no labels.

Columns are recognised by their common names (or mapped with `--field ROLE=COLUMN`), normalised
by the same feature builder the store uses, and scored by a model of Splink's comparisons
trained unsupervised on the input itself (`corridor.resolve.table_model`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corridor.errors import InputError, ValidationError
from corridor.resolve.clusters import cluster_cohesive
from corridor.resolve.engines import make_engine
from corridor.resolve.features import PersonInput, person_features
from corridor.resolve.linkage import LinkType
from corridor.resolve.table_model import spec_for_table, table_of, table_row, train_table

#: Roles and the column names that mean them (compared without case, spaces or punctuation).
ROLES: dict[str, tuple[str, ...]] = {
    "given_name": ("firstname", "givenname", "forename", "first", "given", "forenames"),
    "family_name": ("surname", "lastname", "familyname", "last", "family"),
    "full_name": ("fullname", "name", "personname"),
    "dob": ("dob", "dateofbirth", "birthdate", "birthday", "born"),
    "birth_place": ("birthplace", "placeofbirth", "pob", "cityofbirth"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode", "plz"),
    "address": ("address", "address1", "addressline1", "street", "streetaddress", "address2",
                "addressline2"),
    "city": ("city", "suburb", "town", "locality", "municipality"),
    "street_number": ("streetnumber", "housenumber", "streetno", "houseno"),
    "gender": ("gender", "sex"),
    "nationality": ("nationality", "citizenship", "country"),
    "occupation": ("occupation", "job", "profession"),
    "phone": ("phone", "phonenumber", "telephone", "mobile", "tel"),
    "id_number": ("socsecid", "ssn", "nationalid", "idnumber", "passport", "passportnumber",
                  "documentnumber", "nin", "jmbg"),
    "email": ("email", "emailaddress"),
}  # fmt: skip
MULTI = {"address", "phone", "id_number", "nationality"}  # roles that may take several columns
#: Pairs join a cluster when the trained model gives them a match probability of at least this:
#: a match more likely than not, the decision that is right most often when the model is
#: calibrated, chosen with no labels. Chaining is held back by the cluster rule, not by a
#: stricter threshold (`clusters.cluster_cohesive`).
LINK_THRESHOLD = 0.5


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Table:
    path: Path
    ids: list[str]
    rows: list[dict[str, str]]
    columns: list[str]


def read_table(path: Path, id_column: str) -> Table:
    """A CSV or Parquet file as text rows, with its id column checked (present, unique)."""
    name = path.name
    if not path.is_file():
        raise InputError("file not found", file=name)
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"unreadable Parquet file: {exc}", file=name) from None
        columns = [str(c).strip() for c in table.column_names]
        rows = [
            {str(k).strip(): ("" if v is None else str(v).strip()) for k, v in record.items()}
            for record in table.to_pylist()
        ]
    else:
        # Python's csv module, not a type-inferring reader: postcodes and ids keep leading zeros.
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(f)
                columns = [c.strip() for c in next(reader, [])]
                rows = []
                for row in reader:
                    if not row:
                        continue
                    if len(row) != len(columns):
                        raise InputError(
                            f"expected {len(columns)} fields, found {len(row)}",
                            file=name, line=reader.line_num,
                        )  # fmt: skip
                    rows.append(dict(zip(columns, (v.strip() for v in row), strict=True)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"unreadable CSV: {exc}", file=name) from None
    if id_column not in columns:
        raise InputError(
            f"no id column {id_column!r} (columns: {', '.join(columns)})",
            file=name,
            field=id_column,
        )
    ids = [r[id_column] for r in rows]
    seen: dict[str, int] = {}
    for n, value in enumerate(ids, start=2):
        if not value:
            raise InputError("empty id", file=name, line=n, field=id_column)
        if value in seen:
            raise InputError(
                f"duplicate id {value!r} (also on line {seen[value]})",
                file=name,
                line=n,
                field=id_column,
            )
        seen[value] = n
    return Table(path, ids, rows, columns)


def recognise(
    columns: Sequence[str], id_column: str, fields: Mapping[str, str]
) -> dict[str, list[str]]:
    """Role → columns, from `--field` first and then from common column names."""
    unknown = sorted(set(fields) - set(ROLES))
    if unknown:
        raise ValidationError(f"unknown role {unknown[0]!r} (roles: {', '.join(ROLES)})", "field")
    roles: dict[str, list[str]] = {}
    for role, column in fields.items():
        if column not in columns:
            raise ValidationError(f"--field {role}={column}: no such column", "field")
        roles[role] = [column]
    taken = {c for cs in roles.values() for c in cs} | {id_column}
    for column in columns:
        if column in taken:
            continue
        squashed = _squash(column)
        for role, names in ROLES.items():
            if role in fields:
                continue
            if squashed in names and (role in MULTI or role not in roles):
                roles.setdefault(role, []).append(column)
                break
    useful = {"given_name", "family_name", "full_name", "dob", "phone", "id_number", "email"}
    if not useful & set(roles):
        raise ValidationError(
            "no usable fields: name those columns with --field ROLE=COLUMN "
            f"(roles: {', '.join(ROLES)})",
            "field",
        )
    return roles


def _input(
    row: Mapping[str, str], roles: Mapping[str, list[str]], record_id: str, source: str
) -> PersonInput:
    values = {role: [row[c] for c in columns if row.get(c)] for role, columns in roles.items()}
    none: list[str] = []
    if values.get("given_name") or values.get("family_name"):
        # Fielded names say which part is which; a full-name column beside them says nothing
        # more to the model, and parsing it would double the cost of normalising.
        values.pop("full_name", None)

    def one(role: str) -> str | None:
        found = values.get(role)
        return " ".join(found) if found else None

    return PersonInput(
        record_id=record_id, source=source, names=values.get("full_name", none),
        given=values.get("given_name", none), family=values.get("family_name", none),
        dates_of_birth=values.get("dob", none), genders=values.get("gender", none),
        nationalities=values.get("nationality", none), phones=values.get("phone", none),
        ids=values.get("id_number", none), postcode=one("postcode"), address=one("address"),
        city=one("city"), street_number=one("street_number"), birth_place=one("birth_place"),
        occupation=one("occupation"), email=one("email"),
    )  # fmt: skip


@dataclass(frozen=True)
class LinkResult:
    clusters: list[tuple[str, str, str]]  # record id, cluster id, source
    pairs: list[tuple[str, str, float]]  # in no particular order (written out sorted)
    roles: dict[str, list[str]]
    records: int
    link_type: str
    #: The trained model as Splink's settings JSON (`--model-out`), loadable by Splink.
    model: dict[str, Any]


def link_tables(
    paths: Sequence[Path],
    id_column: str,
    fields: Mapping[str, str] | None = None,
    engine: str = "duckdb",
    threshold: float = LINK_THRESHOLD,
    pairs_from: float | None = None,
) -> LinkResult:
    """Deduplicate one table or link two; every input record gets a cluster. The pairs
    returned are those scored at least `pairs_from` (by default, the threshold)."""
    if not 1 <= len(paths) <= 2:
        raise ValidationError("give one input to deduplicate or two to link", "input")
    tables = [read_table(p, id_column) for p in paths]
    roles = recognise(tables[0].columns, id_column, fields or {})
    if len(tables) == 2:
        roles_b = recognise(tables[1].columns, id_column, fields or {})
        if roles_b != roles:
            raise ValidationError(
                f"the two inputs' columns differ: {roles} against {roles_b}", "input"
            )
    sources = [t.path.stem for t in tables] if len(tables) == 2 else [tables[0].path.stem]
    if len(sources) == 2 and sources[0] == sources[1]:
        sources = [f"{sources[0]}_1", f"{sources[1]}_2"]
    feature_tables = []
    internal: dict[str, tuple[str, str]] = {}
    for index, (table, source) in enumerate(zip(tables, sources, strict=True)):
        rows = []
        for record_id, row in zip(table.ids, table.rows, strict=True):
            key = f"{index}:{record_id}"
            internal[key] = (record_id, source)
            rows.append(table_row(person_features(_input(row, roles, key, source))))
        feature_tables.append(table_of(rows))
    link_type: LinkType = "link_only" if len(tables) == 2 else "dedupe_only"
    spec = spec_for_table(pa.concat_tables(feature_tables))
    eng = make_engine(engine)
    try:
        linker = train_table(eng, feature_tables, spec, link_type)
        model = linker.misc.save_model_to_json()
        floor = min(threshold, threshold if pairs_from is None else pairs_from)
        predictions = eng.to_arrow(linker.inference.predict(threshold_match_probability=floor))
    finally:
        eng.close()
    scored = list(
        zip(
            predictions.column("record_id_l").to_pylist(),
            predictions.column("record_id_r").to_pylist(),
            predictions.column("match_probability").to_pylist(),
            strict=True,
        )
    )
    groups = cluster_cohesive(internal, scored, threshold)
    numbering: dict[str, str] = {}
    clusters = []
    for key in internal:
        cluster_id = numbering.setdefault(groups[key], str(len(numbering) + 1))
        record_id, source = internal[key]
        clusters.append((record_id, cluster_id, source))
    pairs = []
    for left, right, p in scored:
        if left.startswith("1:") and right.startswith("0:"):
            left, right = right, left
        pairs.append((internal[left][0], internal[right][0], p))
    return LinkResult(clusters, pairs, roles, len(internal), link_type, model)


def write_outputs(
    result: LinkResult, clusters_out: Path, pairs_out: Path | None, sources: bool
) -> None:
    with clusters_out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["record_id", "cluster_id", *(["source"] if sources else [])])
        for record_id, cluster_id, source in result.clusters:
            writer.writerow([record_id, cluster_id, *([source] if sources else [])])
    if pairs_out is not None:
        with pairs_out.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["left_id", "right_id", "probability"])
            for left, right, p in sorted(result.pairs, key=lambda t: (-t[2], t[0], t[1])):
                writer.writerow([left, right, f"{p:.6f}"])


def describe(result: LinkResult) -> dict[str, Any]:
    sizes: dict[str, int] = {}
    for _, cluster_id, _ in result.clusters:
        sizes[cluster_id] = sizes.get(cluster_id, 0) + 1
    return {
        "records": result.records,
        "link_type": result.link_type,
        "fields": result.roles,
        "pairs": len(result.pairs),
        "clusters": len(sizes),
        "multi_record_clusters": sum(1 for n in sizes.values() if n > 1),
    }
