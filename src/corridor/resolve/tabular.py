"""`corridor link`: deduplicate one table of people, or link two, with no labels.

Columns are recognised by their common names (or mapped with `--field ROLE=COLUMN`), normalised
by the same feature builder the store uses (each distinct value of a column once: a register
repeats its names, dates and places thousands of times), and scored by a model of Splink's
comparisons trained unsupervised on the input itself (`corridor.resolve.table_model`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from corridor.errors import InputError, ValidationError
from corridor.resolve.clusters import cohesive_components
from corridor.resolve.engines import make_engine
from corridor.resolve.features import (
    countries,
    date_columns,
    email_key,
    gender_of,
    id_keys,
    name_columns,
    phone_keys,
    postcode_key,
    text_key,
)
from corridor.resolve.linkage import LinkType
from corridor.resolve.names import token_keys
from corridor.resolve.table_model import (
    TABLE_SCHEMA,
    name_extras,
    outward,
    spec_for_table,
    train_table,
)

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
    columns: list[str]
    #: Column → its values as text, stripped ("" where empty): kept as Arrow columns, since
    #: features are computed per distinct value of a column (`features_of`).
    values: dict[str, pa.Array]


def read_table(path: Path, id_column: str) -> Table:
    """A CSV or Parquet file as text columns, with its id column checked (present, unique)."""
    name = path.name
    if not path.is_file():
        raise InputError("file not found", file=name)
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"unreadable Parquet file: {exc}", file=name) from None
        columns = [str(c).strip() for c in table.column_names]
        values = {
            column: pa.array(
                ["" if v is None else str(v).strip() for v in table.column(i).to_pylist()],
                pa.string(),
            )
            for i, column in enumerate(columns)
        }
    else:
        columns, values = _read_csv(path)
    if id_column not in columns:
        raise InputError(
            f"no id column {id_column!r} (columns: {', '.join(columns)})",
            file=name,
            field=id_column,
        )
    ids = values[id_column].to_pylist()
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
    return Table(path, ids, columns, values)


def _read_csv(path: Path) -> tuple[list[str], dict[str, pa.Array]]:
    """A CSV file's header and its columns as text: every column read as a string, never
    inferred (postcodes and ids keep their leading zeros), by Arrow's reader; a file it
    refuses is read again by Python's, for an error that names the line."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            columns = [c.strip() for c in next(csv.reader(f), [])]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"unreadable CSV: {exc}", file=path.name) from None
    names = [f"c{i}" for i in range(len(columns))]  # the header may repeat a name
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(skip_rows=1, column_names=names),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError):
        return columns, _read_csv_rows(path, columns)
    return columns, {
        column: pc.utf8_trim_whitespace(table.column(i).combine_chunks())
        for i, column in enumerate(columns)
    }


def _read_csv_rows(path: Path, columns: list[str]) -> dict[str, pa.Array]:
    """The slow reader, row by row, that says where a file goes wrong."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            next(reader, None)
            rows = []
            for row in reader:
                if not row:
                    continue
                if len(row) != len(columns):
                    raise InputError(
                        f"expected {len(columns)} fields, found {len(row)}",
                        file=path.name, line=reader.line_num,
                    )  # fmt: skip
                rows.append(row)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"unreadable CSV: {exc}", file=path.name) from None
    by_column = zip(*rows, strict=True) if rows else ([] for _ in columns)
    return {
        column: pa.array([v.strip() for v in column_values], pa.string())
        for column, column_values in zip(columns, by_column, strict=True)
    }


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


#: What a role's columns say in one record: one text per column ("" where empty).
Values = tuple[str, ...]


def _present(values: Values) -> list[str]:
    return [v for v in values if v]


def _one(values: Values) -> str | None:
    """A role that takes one value (an address written over two columns is one address)."""
    return " ".join(v for v in values if v) or None


def _postcode_part(values: Values) -> dict[str, Any]:
    postcode = postcode_key(_one(values))
    return {"postcode": postcode, "postcode_outward": outward(postcode)}


def _id_part(values: Values) -> dict[str, Any]:
    ids = id_keys(_present(values))
    return {"id_number": ids[0] if ids else None}


def _text_part(column: str) -> Callable[[Values], dict[str, Any]]:
    return lambda values: {column: text_key(_one(values))}


#: Each role's part of a record's features (as `person_features` computes it): a function of
#: that role's values alone, so computed once per distinct value. Names are `_name_columns`.
PARTS: dict[str, Callable[[Values], dict[str, Any]]] = {
    "dob": lambda values: date_columns(_present(values)),
    "gender": lambda values: {"gender": gender_of(_present(values))},
    "nationality": lambda values: {"nationality": countries(_present(values))},
    "phone": lambda values: {"phones": phone_keys(_present(values))},
    "id_number": _id_part,
    "postcode": _postcode_part,
    "email": lambda values: {"email": email_key(_one(values))},
    **{c: _text_part(c) for c in ("address", "city", "street_number", "birth_place", "occupation")},
}


@dataclass
class _Distinct:
    """The distinct combinations of several text columns' values: `codes`, each record's
    combination; `values[k]`, column k's distinct values; `index[k][j]`, where combination j
    finds its value in `values[k]`. Worked out by Arrow: Python sees each distinct value once."""

    codes: pa.Array
    values: list[list[str]]
    index: list[list[int]]

    def __iter__(self) -> Iterator[Values]:
        for at in zip(*self.index, strict=True):
            yield tuple(v[i] for v, i in zip(self.values, at, strict=True))


def _distinct(columns: Sequence[pa.Array]) -> _Distinct:
    encoded = [pc.dictionary_encode(c) for c in columns]
    values = [e.dictionary.to_pylist() for e in encoded]
    if len(encoded) == 1:
        return _Distinct(encoded[0].indices, values, [list(range(len(values[0])))])
    # One number per combination of the columns' codes, encoded again; then taken apart.
    combined = encoded[0].indices.cast(pa.int64())
    for e, v in zip(encoded[1:], values[1:], strict=True):
        combined = pc.add(pc.multiply(combined, len(v)), e.indices.cast(pa.int64()))
    again = pc.dictionary_encode(combined)
    numbers = again.dictionary
    index = []
    for v in reversed(values):
        index.append(pc.subtract(numbers, pc.multiply(pc.divide(numbers, len(v)), len(v))))
        numbers = pc.divide(numbers, len(v))
    return _Distinct(again.indices, values, [i.to_pylist() for i in reversed(index)])


#: The name columns of the model (`TABLE_SCHEMA`).
NAME_COLUMNS = (
    "first_given", "family_name", "full_name", "keys_sorted", "given_variants", "family_key",
    "given_key",
)  # fmt: skip


def _name_columns(table: Table, roles: Mapping[str, list[str]]) -> dict[str, pa.Array]:
    """The name columns of every record, as `name_columns` and `name_extras` give them.

    A given or family name is tokenised and keyed once per distinct value (names.py's
    cached `token_keys`, which `fielded_features` uses); what depends on both (the keys of
    the whole name, first given name and family name together) once per distinct pair. Where
    a record has neither, its full name is parsed, once per distinct full name."""
    n = len(table.ids)
    blank = pa.array([""] * n, pa.string())

    def column(role: str) -> pa.Array:
        return table.values[roles[role][0]] if role in roles else blank

    given, family = column("given_name"), column("family_name")
    fielded = pc.or_(pc.not_equal(given, ""), pc.not_equal(family, ""))
    distinct = _distinct([given, family, pc.if_else(fielded, "", column("full_name"))])
    given_values, family_values, full_values = distinct.values
    # What each distinct given name and family name gives alone.
    given_keys, firsts, given_key, variants = [], [], [], []
    for g in given_values:
        tokens, keys = token_keys(g)
        extras = name_extras(" ".join(tokens) or None, None)
        given_keys.append(keys)
        firsts.append(extras["first_given"])
        given_key.append(min(keys) if keys else None)
        variants.append(extras["given_variants"])
    family_keys, family_names, family_key = [], [], []
    for f in family_values:
        tokens, keys = token_keys(f)
        family_keys.append(keys)
        family_names.append(" ".join(tokens) or None)
        family_key.append("".join(keys) or None)
    # Per distinct combination of given, family and full name.
    out: dict[str, list[Any]] = {c: [] for c in NAME_COLUMNS}
    nothing = dict.fromkeys(NAME_COLUMNS)
    for g, f, whole in zip(*distinct.index, strict=True):
        keys = given_keys[g] + family_keys[f]
        if keys:
            first, family_name = firsts[g], family_names[f]
            row = {
                "first_given": first,
                "family_name": family_name,
                "full_name": " ".join(p for p in (first, family_name) if p) or None,
                "keys_sorted": " ".join(sorted(set(keys))) or None,
                "given_variants": variants[g],
                "family_key": family_key[f],
                "given_key": given_key[g],
            }
        elif given_values[g] or family_values[f] or not full_values[whole]:
            row = nothing  # a name with no keys is no name to the model
        else:
            part = name_columns([full_values[whole]], [], [])
            row = {**part, **name_extras(part["given_name"], part["family_name"])}
        for name, found in out.items():
            found.append(row[name])
    return {
        name: pa.array(found, TABLE_SCHEMA.field(name).type).take(distinct.codes)
        for name, found in out.items()
    }


def features_of(table: Table, roles: Mapping[str, list[str]], first: int) -> pa.Table:
    """One input's model table (`TABLE_SCHEMA`, records numbered from `first`): the features
    `person_features` and `table_row` give each record, each role's part computed once per
    distinct value of its columns (a register of fifty thousand records holds a few thousand
    names, dates and places), and nothing for roles the table lacks."""
    n = len(table.ids)
    out: dict[str, pa.Array] = {"record_id": pa.array(range(first, first + n), pa.int64())}
    if roles.keys() & {"given_name", "family_name", "full_name"}:
        out.update(_name_columns(table, roles))
    for role, part in PARTS.items():
        if role not in roles:
            continue
        distinct = _distinct([table.values[c] for c in roles[role]])
        columns: dict[str, list[Any]] = {}
        for values in distinct:
            for name, value in part(values).items():
                columns.setdefault(name, []).append(value)
        for name, found in columns.items():
            out[name] = pa.array(found, TABLE_SCHEMA.field(name).type).take(distinct.codes)
    return pa.table(
        [out.get(f.name, pa.nulls(n, f.type)) for f in TABLE_SCHEMA], schema=TABLE_SCHEMA
    )


@dataclass(frozen=True)
class LinkResult:
    clusters: list[tuple[str, str, str]]  # record id, cluster id, source
    roles: dict[str, list[str]]
    records: int
    link_type: str
    #: The trained model as Splink's settings JSON (`--model-out`), loadable by Splink.
    model: dict[str, Any]
    #: The scored pairs as record numbers (`left`, `right`, `probability`), kept in Arrow:
    #: hundreds of thousands on a large table, and only `--pairs-out` reads them (`pairs`).
    scored: pa.Table
    ids: list[str]  # record number → id
    first_count: int  # records of the first input (numbered first)

    @property
    def pairs(self) -> list[tuple[str, str, float]]:
        """The scored pairs as ids, the first input's record on the left (in no particular
        order; written out sorted)."""
        out = []
        ids, first_count = self.ids, self.first_count
        for a, b, p in zip(
            *(self.scored[c].to_pylist() for c in ("left", "right", "probability")), strict=True
        ):
            if a >= first_count > b:
                a, b = b, a
            out.append((ids[a], ids[b], p))
        return out


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
    # Records are numbered across the inputs: Splink joins and the clustering index on numbers.
    feature_tables = []
    ids: list[str] = []
    record_sources: list[str] = []
    for table, source in zip(tables, sources, strict=True):
        feature_tables.append(features_of(table, roles, len(ids)))
        ids.extend(table.ids)
        record_sources.extend([source] * len(table.ids))
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
    scored = pa.table(
        {
            "left": predictions["record_id_l"],
            "right": predictions["record_id_r"],
            "probability": predictions["match_probability"],
        }
    )
    groups = cohesive_components(
        len(ids), scored["left"], scored["right"], scored["probability"], threshold
    )
    numbering: dict[int, str] = {}
    clusters = []
    for record, group in enumerate(groups):
        cluster_id = numbering.setdefault(group, str(len(numbering) + 1))
        clusters.append((ids[record], cluster_id, record_sources[record]))
    return LinkResult(clusters, roles, len(ids), link_type, model, scored, ids, len(tables[0].ids))


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
        "pairs": result.scored.num_rows,
        "clusters": len(sizes),
        "multi_record_clusters": sum(1 for n in sizes.values() if n > 1),
    }
