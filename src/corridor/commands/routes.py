"""`corridor routes`: where and when groups cross, where activity gathers and moves, and what
the real Frontex series says comes next."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import (
    End,
    Purpose,
    Start,
    StoreUrl,
    Workdir,
    out,
    store_session,
    time_option,
)
from corridor.sensors import flows as flow_rules
from corridor.sensors import hotspots as hotspot_rules
from corridor.sensors import route_service
from corridor.sensors.crossings import to_geojson
from corridor.stats import forecast as frontex_forecast

routes_app = typer.Typer(
    help="Routes: crossings from sightings, hotspots, flows and forecasts.", no_args_is_help=True
)


@routes_app.command("forecast")
def forecast(
    route: Annotated[str, typer.Option(help="Frontex route name.")] = "Western Balkan Route",
    months: Annotated[
        int,
        typer.Option(min=1, max=frontex_forecast.MAX_MONTHS, help="Months to forecast."),
    ] = 12,
    nationality: Annotated[
        str | None,
        typer.Option(help="One nationality (ISO 3166-1 alpha-3), else all.", show_default=False),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Also write `month,forecast,lower,upper` here (CSV)."),
    ] = None,
    workdir: Workdir = None,
) -> None:
    """The next months of Frontex detections on a route (detections, not people), with an 80 %
    prediction interval; the back-test in docs/benchmarks.md says how far to trust it.

    The figures ship with Corridor, so this reads no store (`--workdir` is accepted, unused).
    """
    f = frontex_forecast.forecast(route, months, nationality)
    if out_file is not None:
        with out_file.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["month", "forecast", "lower", "upper"])
            for m in f.months:
                writer.writerow([m.month, f"{m.forecast:.1f}", f"{m.lower:.1f}", f"{m.upper:.1f}"])
    who = f" ({f.nationality})" if f.nationality else ""
    out.print(
        f"[bold]{f.route}{who}[/bold]: detections (not people) forecast after "
        f"{f.last_observed} by {f.model}; prediction interval: {f.level:.0%}",
        highlight=False,
    )
    table = Table()
    for col in ("month", "forecast", "lower", "upper"):
        table.add_column(col, justify="left" if col == "month" else "right")
    for m in f.months:
        table.add_row(m.month, f"{m.forecast:,.0f}", f"{m.lower:,.0f}", f"{m.upper:,.0f}")
    out.print(table)


@routes_app.command("crossings")
def crossings(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    start: Start = None,
    end: End = None,
    geojson: Annotated[
        Path | None,
        typer.Option(help="Also write the events, in full, as GeoJSON here.", show_default=False),
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Write `crossing_id,at,lat,lon,crossing_point,people,sighting_ids` (sighting ids
    `;`-separated): groups crossing, from the drone, camera and thermal sightings."""
    since, until = time_option(start, "--start"), time_option(end, "--end")
    if since is not None and until is not None and until <= since:
        raise typer.BadParameter("the end must be after the start", param_hint="--end")
    with store_session(workdir, store) as db:
        found = route_service.crossings(db, Caller.operator(purpose), since, until)
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["crossing_id", "at", "lat", "lon", "crossing_point", "people",
                         "sighting_ids"])  # fmt: skip
        for c in found:
            writer.writerow([c.crossing_id, c.at.isoformat(), f"{c.lat:.5f}", f"{c.lon:.5f}",
                             c.crossing_point, c.people, ";".join(c.sighting_ids)])  # fmt: skip
    if geojson is not None:
        geojson.write_text(json.dumps(to_geojson(found), ensure_ascii=False), encoding="utf-8")
    table = Table(title=f"{len(found):,} crossings")
    for col in ("crossing", "at", "point", "people", "from", "to", "sightings"):
        table.add_column(col)
    for c in found[:10]:
        table.add_row(c.crossing_id, c.at.isoformat(), c.crossing_point or "-", str(c.people),
                      c.from_country or "?", c.to_country or "?",
                      str(len(c.sighting_ids)))  # fmt: skip
    out.print(table)


#: The columns `corridor routes hotspots --out F.csv` writes.
HOTSPOT_COLUMNS = ["cell", "period", "period_end", "lat", "lon", "events", "people", "sightings",
                   "detections", "scans", "expected", "p_value", "q_value", "hotspot", "around",
                   "p_concentrated", "q_concentrated", "concentrated"]  # fmt: skip
#: The columns `corridor routes flows --out F.csv` writes (one row per edge of the graph).
FLOW_COLUMNS = ["from_point", "to_point", "movements", "people", "first", "last"]
#: The columns of `corridor routes flows --nodes F.csv` (one row per crossing point).
NODE_COLUMNS = ["point", "sector", "lat", "lon", "events", "people", "movements_in",
                "movements_out"]  # fmt: skip
#: The columns `corridor routes displacement --out F.csv` writes (one row per episode).
DISPLACEMENT_COLUMNS = ["point", "sector", "first_week", "last_week", "enforcement", "neighbours",
                        "before_point", "before_neighbours", "after_point", "after_neighbours",
                        "share_before", "share_after", "shift", "p_value", "q_value",
                        "displaced"]  # fmt: skip


def _period_of(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    since, until = time_option(start, "--start"), time_option(end, "--end")
    if since is not None and until is not None and until <= since:
        raise typer.BadParameter("the end must be after the start", param_hint="--end")
    return since, until


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


@routes_app.command("hotspots")
def hotspots(
    out_file: Annotated[
        Path, typer.Option("--out", help="The file to write: F.csv, or F.geojson for the map.")
    ],
    period: Annotated[str, typer.Option(help="Count by week or month.")] = "week",
    resolution: Annotated[
        int, typer.Option(min=0, max=15, help="H3 resolution (7: cells of about 5 km²).")
    ] = hotspot_rules.RESOLUTION,
    fdr: Annotated[
        float, typer.Option(min=0.0001, max=0.5, help="False discovery rate of the hotspots.")
    ] = hotspot_rules.FDR,
    start: Start = None,
    end: End = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Write activity by H3 cell and period, hotspots (bursts) and concentrations marked: CSV
    (`cell,period,period_end,lat,lon,events,people,sightings,detections,scans,expected,p_value,
    q_value,hotspot,around,p_concentrated,q_concentrated,concentrated`) or GeoJSON (the cells'
    hexagons, the same as properties)."""
    kind = out_file.suffix.lower()
    if kind not in (".csv", ".geojson", ".json"):
        raise typer.BadParameter("write a .csv or a .geojson file", param_hint="--out")
    if period not in hotspot_rules.PERIODS:
        raise typer.BadParameter("week or month", param_hint="--period")
    since, until = _period_of(start, end)
    with store_session(workdir, store) as db:
        found = route_service.hotspots(db, Caller.operator(purpose), since, until, period,
                                       resolution, fdr)  # fmt: skip
    if kind == ".csv":
        with out_file.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HOTSPOT_COLUMNS)
            for c in found.cells:
                d = c.to_dict()
                d.update(expected=_number(c.expected), p_value=_number(c.p_value),
                         q_value=_number(c.q_value), hotspot=str(c.hotspot).lower(),
                         p_concentrated=_number(c.p_concentrated),
                         q_concentrated=_number(c.q_concentrated),
                         concentrated=str(c.concentrated).lower())  # fmt: skip
                writer.writerow([d[k] for k in HOTSPOT_COLUMNS])
    else:
        out_file.write_text(json.dumps(found.to_geojson(), ensure_ascii=False), encoding="utf-8")
    shown = [c for c in found.cells if c.hotspot or c.concentrated]
    table = Table(title=f"{len(found.hotspots):,} hotspots (bursts) and "
                  f"{len(found.concentrated):,} concentrations among {len(found.cells):,} "
                  f"cell-{period}s with activity (false discovery rate {found.fdr:g})")  # fmt: skip
    for col in ("cell", period, "events", "people", "expected", "around", "burst", "concentrated"):
        table.add_column(col)
    for c in sorted(shown, key=lambda c: (min(c.q_value, c.q_concentrated), c.period))[:10]:
        table.add_row(c.cell, c.period.isoformat(), str(c.events), str(c.people),
                      f"{c.expected:.2f}", str(c.around), f"q {c.q_value:.2g}",
                      f"q {c.q_concentrated:.2g}")  # fmt: skip
    out.print(table)


@routes_app.command("flows")
def flows(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file of edges to write.")],
    within: Annotated[
        int, typer.Option(min=1, max=366, help="Days between two visits of one movement, at most.")
    ] = flow_rules.WITHIN_DAYS,
    nodes: Annotated[
        Path | None,
        typer.Option(
            help="Also write the crossing points' volumes here (CSV).", show_default=False
        ),
    ] = None,
    start: Start = None,
    end: Annotated[
        str | None,
        typer.Option(help="Observations before this time (ISO 8601).", show_default=False),
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Write the route graph's edges, `from_point,to_point,movements,people,first,last`: plates
    and phones seen at one crossing point, then next at another within `--within` days."""
    since, until = _period_of(start, end)
    with store_session(workdir, store) as db:
        found = route_service.flows(db, Caller.operator(purpose), since, until, within)
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(FLOW_COLUMNS)
        for e in found.edges:
            writer.writerow([e.source, e.target, e.movements, e.people, e.first.isoformat(),
                             e.last.isoformat()])  # fmt: skip
    if nodes is not None:
        with nodes.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(NODE_COLUMNS)
            for p in found.points:
                d = p.to_point_dict()
                writer.writerow([d[k] for k in NODE_COLUMNS])
    table = Table(title=f"{len(found.movements):,} movements on {len(found.edges):,} edges "
                  f"between {len(found.points):,} crossing points")  # fmt: skip
    for col in ("from", "to", "movements", "people", "first", "last"):
        table.add_column(col)
    for e in found.edges[:10]:
        table.add_row(e.source, e.target, str(e.movements), str(e.people),
                      e.first.isoformat(), e.last.isoformat())  # fmt: skip
    out.print(table)


@routes_app.command("displacement")
def displacement(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    window_weeks: Annotated[
        int, typer.Option(min=1, max=26, help="Weeks compared before and after enforcement.")
    ] = flow_rules.WINDOW_WEEKS,
    neighbour_km: Annotated[
        float, typer.Option(min=0.1, max=500, help="Crossing points this close are neighbours.")
    ] = flow_rules.NEIGHBOUR_KM,
    start: Start = None,
    end: End = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Write enforcement episodes (weeks of detections and scan hits well above a crossing
    point's own rate) and whether activity moved to the neighbouring points after them."""
    since, until = _period_of(start, end)
    with store_session(workdir, store) as db:
        found = route_service.displacement(db, Caller.operator(purpose), since, until,
                                           window_weeks, neighbour_km)  # fmt: skip
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(DISPLACEMENT_COLUMNS)
        for e in found:
            writer.writerow([e.point, e.sector, e.first_week.isoformat(), e.last_week.isoformat(),
                             e.enforcement, ";".join(e.neighbours), *e.before, *e.after,
                             _number(e.share_before), _number(e.share_after), _number(e.shift),
                             _number(e.p_value), _number(e.q_value),
                             str(e.displaced).lower()])  # fmt: skip
    table = Table(title=f"{len(found):,} enforcement episodes, "
                  f"{sum(e.displaced for e in found):,} followed by displacement")  # fmt: skip
    for col in ("point", "weeks", "enforcement", "neighbours' share", "q", "displaced"):
        table.add_column(col)
    for e in found[:10]:
        share = ("-" if e.share_before is None or e.share_after is None
                 else f"{e.share_before:.2f} → {e.share_after:.2f}")  # fmt: skip
        table.add_row(e.point, f"{e.first_week} – {e.last_week}", str(e.enforcement), share,
                      _number(e.q_value) or "-", "yes" if e.displaced else "no")  # fmt: skip
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(routes_app, name="routes")
