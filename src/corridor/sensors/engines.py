"""Where a sensor analysis runs: one SQL definition, two engines.

Each analysis (convoys, journeys, shuttles, clones) is one SQL query over a table `obs` of the
observations a caller may see. `duckdb`, the default, runs it inside the store's own database
(`Store.analyse_observations`: DuckDB for a single-user node, PostgreSQL for a multi-user one),
with the caller's scope applied by the store. `spark` runs the same query on Spark (local mode,
the process's shared session) over the same rows: the store filters them to the caller's scope
first (`Store.observation_table`), so the engine never sees a row the caller may not. The query
is written once, in DuckDB's dialect, and translated for Spark by sqlglot (the SQL translator
Splink itself uses), its `?` parameters written in as literals.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokenizer_core import TokenType

from corridor.errors import CorridorError, ValidationError
from corridor.model.observations import ObservationKind
from corridor.model.scope import ReadScope
from corridor.resolve.engines import make_engine
from corridor.store.base import Store

ENGINES = ("duckdb", "spark")


class SensorEngine(ABC):
    """Runs an analysis (a SELECT over `obs`, with `?` parameters) over the observations of
    one kind the scope allows, between `start` and `end`; rows back as dicts."""

    name: str

    @abstractmethod
    def run(
        self,
        store: Store,
        kind: ObservationKind,
        sql: str,
        params: Sequence[object],
        scope: ReadScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[dict[str, Any]]: ...

    def close(self) -> None:  # noqa: B027 - the store's engine holds nothing
        """Release what the engine holds."""

    def __enter__(self) -> SensorEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StoreEngine(SensorEngine):
    """The store's own database runs the analysis: no copy of the rows is made."""

    name = "duckdb"

    def run(
        self,
        store: Store,
        kind: ObservationKind,
        sql: str,
        params: Sequence[object],
        scope: ReadScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[dict[str, Any]]:
        return store.analyse_observations(kind, sql, params, scope, start, end)


class SparkSensorEngine(SensorEngine):
    """Spark (local mode) runs the analysis over the rows the store lets the caller see."""

    name = "spark"

    def __init__(self) -> None:
        # Spark's child session and its lifetime are the linkage engine's (one JVM per process).
        self._engine = make_engine("spark")

    def run(
        self,
        store: Store,
        kind: ObservationKind,
        sql: str,
        params: Sequence[object],
        scope: ReadScope,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[dict[str, Any]]:
        table = store.observation_table(kind, scope, start, end)
        spark = self._engine.spark  # type: ignore[attr-defined]
        spark.createDataFrame(table).createOrReplaceTempView("obs")
        try:
            rows: list[dict[str, Any]] = self._engine.query(spark_sql(sql, params)).to_pylist()
        finally:
            spark.catalog.dropTempView("obs")
        return rows

    def close(self) -> None:
        self._engine.close()


def sensor_engine(name: str = "duckdb") -> SensorEngine:
    """The engine called `name` (Spark fails with a clear message where it cannot run)."""
    if name == "duckdb":
        return StoreEngine()
    if name == "spark":
        return SparkSensorEngine()
    raise ValidationError(f"unknown engine {name!r} (expected {' or '.join(ENGINES)})", "engine")


def _literal(value: object) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, int | float | str):
        return exp.convert(value).sql(dialect="duckdb")
    if isinstance(value, datetime | date):
        kind = "TIMESTAMP" if isinstance(value, datetime) else "DATE"
        return f"{kind} '{value.isoformat()}'"
    raise CorridorError(f"no SQL literal for a {type(value).__name__}")


def spark_sql(sql: str, params: Sequence[object]) -> str:
    """A DuckDB query with `?` parameters as Spark SQL with the values written in."""
    marks = [
        t for t in Dialect.get_or_raise("duckdb").tokenize(sql)
        if t.token_type == TokenType.PLACEHOLDER
    ]  # fmt: skip
    if len(marks) != len(params):
        raise CorridorError(f"the query has {len(marks)} parameters, {len(params)} were given")
    parts, at = [], 0
    for mark, value in zip(marks, params, strict=True):
        parts += [sql[at : mark.start], _literal(value)]
        at = mark.end + 1
    parts.append(sql[at:])
    tree = sqlglot.parse_one("".join(parts), read="duckdb").transform(_spark_forms)
    return tree.sql(dialect="spark")


def _spark_forms(node: exp.Expression) -> exp.Expression:
    """What sqlglot leaves for Spark to refuse, or to fail on.

    `EXTRACT(EPOCH FROM t)` (seconds since 1970, fractions kept, as DuckDB and PostgreSQL give
    them) has no Spark form. `STRING_AGG` becomes an array joined: Spark 4's `LISTAGG ...
    WITHIN GROUP` fails at run time (a ClassCastException) in an aggregate that also counts
    distinct values, which the analyses do. `STRING_AGG(DISTINCT x)` comes out sorted, which
    DuckDB's order (unspecified) allows."""
    if isinstance(node, exp.Extract) and node.this.name.upper() == "EPOCH":
        micros = exp.Anonymous(this="UNIX_MICROS", expressions=[node.expression])
        as_double = exp.Cast(this=micros, to=exp.DataType.build("DOUBLE"))
        return exp.Div(this=as_double, expression=exp.Literal.number(1_000_000))
    if isinstance(node, exp.GroupConcat):
        return _joined(node)
    return node


def _joined(node: exp.GroupConcat) -> exp.Expression:
    sep = node.args.get("separator") or exp.Literal.string(",")
    inner = node.this

    def call(name: str, *args: exp.Expr) -> exp.Expression:
        return exp.Anonymous(this=name, expressions=list(args))

    if isinstance(inner, exp.Distinct):
        values = call("ARRAY_SORT", call("COLLECT_SET", inner.expressions[0]))
    elif isinstance(inner, exp.Order):
        # Sort (key..., value) structs, then keep the values: the ORDER BY, in Spark's terms.
        keys = [o.this for o in inner.expressions]
        if any(o.args.get("desc") for o in inner.expressions):
            raise CorridorError("STRING_AGG ... ORDER BY ... DESC has no Spark form here")
        fields = [exp.alias_(k.copy(), f"k{i}") for i, k in enumerate(keys)]
        fields.append(exp.alias_(inner.this.copy(), "v"))
        structs = call("COLLECT_LIST", call("STRUCT", *fields))
        s = exp.to_identifier("s")
        pick = exp.Lambda(this=exp.Dot(this=s, expression=exp.to_identifier("v")), expressions=[s])
        values = call("TRANSFORM", call("ARRAY_SORT", structs), pick)
    else:
        values = call("COLLECT_LIST", inner)
    return call("ARRAY_JOIN", values, sep)
