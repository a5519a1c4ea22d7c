"""Frontex monthly detections of irregular border crossings (real data shipped in `data/`).

Counts are detections, not people: one person may be detected several times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from followthemoney.types import registry

from corridor.errors import NotFound, ValidationError
from corridor.resources import FRONTEX_DETECTIONS, data_path


@dataclass(frozen=True, slots=True)
class NationalityCount:
    iso3: str
    name: str
    detections: int


@dataclass(frozen=True, slots=True)
class FrontexSummary:
    route: str
    year: int | None
    total: int
    by_nationality: list[NationalityCount] = field(default_factory=list)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    by_border_type: list[tuple[str, int]] = field(default_factory=list)


def _country_name(iso3: str) -> str:
    code = registry.country.clean(iso3)
    return registry.country.caption(code) if code else iso3


class Frontex:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_path(FRONTEX_DETECTIONS)
        self._con = duckdb.connect()
        self._con.execute(
            "CREATE TABLE detections AS SELECT * FROM read_csv(?, header=true, columns={"
            "'route': 'VARCHAR', 'border_type': 'VARCHAR', 'nationality_iso3': 'VARCHAR', "
            "'month': 'VARCHAR', 'detections': 'BIGINT'})",
            [str(self.path)],
        )

    def routes(self) -> list[str]:
        return [
            r[0]
            for r in self._con.execute(
                "SELECT DISTINCT route FROM detections ORDER BY 1"
            ).fetchall()
        ]

    def summary(self, route: str, year: int | None = None) -> FrontexSummary:
        routes = {r.lower(): r for r in self.routes()}
        name = routes.get(route.strip().lower())
        if name is None:
            raise NotFound(f"no route {route!r} (known: {', '.join(routes.values())})")
        if year is not None and not 2009 <= year <= 2100:
            raise ValidationError(f"invalid year {year}", "year")
        where = "route = ?"
        params: list[object] = [name]
        if year is not None:
            where += " AND month LIKE ?"
            params.append(f"{year}-%")

        def rows(group: str) -> list[tuple[str, int]]:
            q = (
                f"SELECT {group}, sum(detections) AS n FROM detections WHERE {where} "
                f"GROUP BY {group} ORDER BY n DESC, {group}"
            )
            return [(str(a), int(b)) for a, b in self._con.execute(q, params).fetchall()]

        nationalities = rows("nationality_iso3")
        total = sum(n for _, n in nationalities)
        months = sorted(rows("month"))
        return FrontexSummary(
            route=name,
            year=year,
            total=total,
            by_nationality=[NationalityCount(c, _country_name(c), n) for c, n in nationalities],
            by_month=months,
            by_border_type=rows("border_type"),
        )
