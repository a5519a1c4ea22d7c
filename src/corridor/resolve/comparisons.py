"""Comparisons declared once, evaluated two ways: as Splink SQL and in Python.

Splink trains the model and scores millions of pairs in SQL; linking one new record against the
store must take milliseconds, too little for a SQL round trip through Splink. So each level here
knows both its Splink form and its Python test, and `tests/test_resolve_comparisons.py` checks
that they agree on the same pairs. The model (m and u per level) comes from Splink either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from rapidfuzz.distance import JaroWinkler as _JaroWinkler

Record = Mapping[str, Any]


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != ""


@dataclass(frozen=True)
class Level:
    """One level of a comparison; `test` must say exactly what the SQL says.

    `m` and `u` are priors: the share of true matches, and of random non-matching pairs, at
    this level, as a reviewer of such records would expect. Training refines them in
    proportion to how much data there is to learn from.
    """

    label: str
    m: float = 0.0
    u: float = 0.0

    def splink(self) -> Any:  # pragma: no cover - every level overrides
        raise NotImplementedError

    def test(self, left: Record, right: Record) -> bool:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Null(Level):
    """Either side lacks every one of `columns`: the comparison says nothing."""

    columns: tuple[str, ...] = ()

    def splink(self) -> Any:
        if len(self.columns) == 1:
            return cll.NullLevel(self.columns[0]).configure(label_for_charts=self.label)
        any_side_empty = " OR ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in self.columns)
        return cll.CustomLevel(any_side_empty, self.label, base_dialect_str="duckdb").configure(
            is_null_level=True
        )

    def test(self, left: Record, right: Record) -> bool:
        return any(not (_present(left.get(c)) and _present(right.get(c))) for c in self.columns)


@dataclass(frozen=True)
class Exact(Level):
    column: str = ""

    def splink(self) -> Any:
        return cll.ExactMatchLevel(self.column).configure(label_for_charts=self.label)

    def test(self, left: Record, right: Record) -> bool:
        a, b = left.get(self.column), right.get(self.column)
        return a is not None and b is not None and a == b


@dataclass(frozen=True)
class JaroWinkler(Level):
    column: str = ""
    threshold: float = 0.9

    def splink(self) -> Any:
        return cll.JaroWinklerLevel(self.column, self.threshold).configure(
            label_for_charts=self.label
        )

    def test(self, left: Record, right: Record) -> bool:
        a, b = left.get(self.column), right.get(self.column)
        if a is None or b is None:
            return False
        return bool(jaro_winkler(a, b) >= self.threshold)


@dataclass(frozen=True)
class Intersect(Level):
    """Two arrays share at least `min_size` elements (phones, ids, name keys)."""

    column: str = ""
    min_size: int = 1

    def splink(self) -> Any:
        return cll.ArrayIntersectLevel(self.column, self.min_size).configure(
            label_for_charts=self.label
        )

    def test(self, left: Record, right: Record) -> bool:
        a, b = left.get(self.column), right.get(self.column)
        if a is None or b is None:
            return False
        return len(set(a) & set(b)) >= self.min_size


@dataclass(frozen=True)
class AllOf(Level):
    """Every one of `parts` holds (Splink's `And`, which writes each backend's dialect)."""

    parts: tuple[Level, ...] = ()

    def splink(self) -> Any:
        return cll.And(*(part.splink() for part in self.parts)).configure(
            label_for_charts=self.label
        )

    def test(self, left: Record, right: Record) -> bool:
        return all(part.test(left, right) for part in self.parts)


@dataclass(frozen=True)
class Custom(Level):
    """A level whose SQL (DuckDB dialect, `col_l`/`col_r`) and Python are written side by side."""

    sql: str = ""
    python: Callable[[Record, Record], bool] = field(default=lambda a, b: False, compare=False)

    def splink(self) -> Any:
        return cll.CustomLevel(self.sql, self.label, base_dialect_str="duckdb")

    def test(self, left: Record, right: Record) -> bool:
        try:
            return bool(self.python(left, right))
        except TypeError:  # a None where SQL would give NULL: the level does not apply
            return False


@dataclass(frozen=True)
class Comparison:
    """A named comparison: a null level first, then levels from most to least similar."""

    name: str
    description: str
    levels: tuple[Level, ...]
    columns: tuple[str, ...] = ()

    def priors(self, attr: str = "m") -> list[float]:
        """Prior m (or u) of each scored level, the else level last (it takes what is left)."""
        stated = [max(getattr(level, attr), 1e-6) for level in self.levels[1:]]
        rest = max(1.0 - sum(stated), 0.01)
        total = sum(stated) + rest
        return [m / total for m in [*stated, rest]]

    def splink(self) -> Any:
        m_priors, u_priors = self.priors("m"), self.priors("u")
        levels = [self.levels[0].splink()]
        levels += [
            level.splink().configure(m_probability=m, u_probability=u)
            for level, m, u in zip(self.levels[1:], m_priors, u_priors, strict=False)
        ]
        levels.append(
            cll.ElseLevel().configure(m_probability=m_priors[-1], u_probability=u_priors[-1])
        )
        return cl.CustomComparison(
            levels, output_column_name=self.name, comparison_description=self.description
        )

    def gamma(self, left: Record, right: Record) -> int:
        """Splink's comparison vector value: -1 for null, then n-1 … 0 (0 is 'else')."""
        if self.levels[0].test(left, right):
            return -1
        rest = self.levels[1:]
        for i, level in enumerate(rest):
            if level.test(left, right):
                return len(rest) - i
        return 0

    def label(self, gamma: int) -> str:
        if gamma == -1:
            return self.levels[0].label
        if gamma == 0:
            return "all other comparisons"
        rest = self.levels[1:]
        return rest[len(rest) - gamma].label


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity as DuckDB computes it (prefix scale 0.1, up to 4 characters)."""
    return float(_JaroWinkler.similarity(a, b, prefix_weight=0.1))


def used_columns(comparisons: Sequence[Comparison]) -> list[str]:
    out: list[str] = []
    for comparison in comparisons:
        for column in comparison.columns:
            if column not in out:
                out.append(column)
    return out
