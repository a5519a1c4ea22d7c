"""`corridor anpr convoys|journeys|clones|shuttles`: what the ANPR reads show about vehicles on
the route."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import (
    End,
    Engine,
    Purpose,
    Start,
    StoreUrl,
    Workdir,
    out,
    store_session,
    time_option,
)
from corridor.errors import ValidationError
from corridor.sensors import convoys as convoy_rules
from corridor.sensors import journeys as journey_rules
from corridor.sensors import service
from corridor.sensors import shuttles as shuttle_rules

anpr_app = typer.Typer(
    help="ANPR: journeys, convoys, cloned plates and shuttle runs.", no_args_is_help=True
)

Gap = Annotated[
    int,
    typer.Option(
        min=60,
        max=journey_rules.MAX_JOURNEY_GAP_S,
        help="Seconds without a read that end a journey.",
    ),
]


@anpr_app.command("convoys")
def convoys(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    start: Start = None,
    end: End = None,
    min_cameras: Annotated[
        int, typer.Option(min=2, help="Cameras two vehicles must pass together on one trip.")
    ] = convoy_rules.MIN_CAMERAS,
    window: Annotated[
        int, typer.Option(min=1, max=3600, help="Seconds apart at one camera, at most.")
    ] = convoy_rules.WINDOW_S,
    max_drift: Annotated[
        int, typer.Option(min=0, help="Seconds the lead between them may change over a trip.")
    ] = convoy_rules.MAX_DRIFT_S,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
    engine: Engine = "duckdb",
) -> None:
    """Write `convoy_id,plate,first_seen,last_seen,reads` (one row per vehicle of a convoy)."""
    params = convoy_rules.ConvoyParams(
        window_s=window, min_cameras=min_cameras, max_drift_s=max_drift
    )
    with store_session(workdir, store) as db:
        found = service.convoys(
            db, Caller.operator(purpose), time_option(start, "--start"),
            time_option(end, "--end"), params, engine,
        )  # fmt: skip
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["convoy_id", "plate", "first_seen", "last_seen", "reads"])
        for c in found:
            for m in c.members:
                writer.writerow([c.convoy_id, m.plate, m.first_seen.isoformat(),
                                 m.last_seen.isoformat(), len(m.read_ids)])  # fmt: skip
    table = Table(title=f"{len(found):,} convoys")
    for col in ("convoy", "plates", "first seen", "last seen", "cameras"):
        table.add_column(col)
    for c in found[:10]:
        table.add_row(c.convoy_id, " ".join(c.plates), c.first_seen.isoformat(),
                      c.last_seen.isoformat(), str(c.cameras))  # fmt: skip
    out.print(table)


def _cell(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


@anpr_app.command("journeys")
def journeys(
    plate: Annotated[str, typer.Argument(help="The plate, as written anywhere.")],
    start: Start = None,
    end: End = None,
    gap: Gap = journey_rules.JOURNEY_GAP_S,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the steps to this CSV file.", show_default=False),
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
    engine: Engine = "duckdb",
) -> None:
    """A plate's reads cut into journeys, with each step's km, time and speed.

    Distances are on the great circle between cameras. `--out` writes
    `journey_id,read_id,plate_read,camera,at,lat,lon,km,seconds,kmh`.
    """
    params = journey_rules.JourneyParams(gap_s=gap)
    with store_session(workdir, store) as db:
        found = service.journeys(db, Caller.operator(purpose), plate, time_option(start, "--start"),
                                 time_option(end, "--end"), params, engine)  # fmt: skip
    if out_file is not None:
        with out_file.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["journey_id", "read_id", "plate_read", "camera", "at", "lat", "lon",
                             "km", "seconds", "kmh"])  # fmt: skip
            for j in found.journeys:
                for s in j.steps:
                    writer.writerow([j.journey_id, s.read_id, s.plate_read, s.camera,
                                     s.at.isoformat(), s.lat, s.lon, _cell(s.km, 3),
                                     _cell(s.seconds, 0), _cell(s.kmh, 1)])  # fmt: skip
    title = f"{found.vehicle}: {len(found.journeys):,} journeys, {found.reads:,} reads"
    if found.vehicle != found.plate:
        title += f" (reads of {found.plate} taken for misreads of {found.vehicle})"
    table = Table(title=title)
    for col in ("journey", "at", "camera", "read as", "km", "minutes", "km/h"):
        table.add_column(col)
    for j in found.journeys:
        for s in j.steps:
            minutes = None if s.seconds is None else s.seconds / 60
            table.add_row(j.journey_id, s.at.isoformat(), s.camera, s.plate_read, _cell(s.km, 1),
                          _cell(minutes, 1), _cell(s.kmh, 0))  # fmt: skip
    out.print(table)


@anpr_app.command("clones")
def clones(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    start: Start = None,
    end: End = None,
    max_kmh: Annotated[
        float,
        typer.Option(min=50, max=2000, help="The fastest a road vehicle goes between cameras."),
    ] = journey_rules.MAX_KMH,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
    engine: Engine = "duckdb",
) -> None:
    """Write the impossible journeys of cloned plates, highest score first.

    `plate,first_read,second_read,first_at,second_at,km,hours,kmh,score`: one row per impossible
    journey of a plate judged cloned (`score`: the plate's, its impossible pairs with those a
    misread may explain counting a tenth).
    """
    params = journey_rules.JourneyParams(max_kmh=max_kmh)
    with store_session(workdir, store) as db:
        found, _ = service.clones(db, Caller.operator(purpose), time_option(start, "--start"),
                                  time_option(end, "--end"), params, engine=engine)  # fmt: skip
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["plate", "first_read", "second_read", "first_at", "second_at", "km",
                         "hours", "kmh", "score"])  # fmt: skip
        for c in found:
            for p in c.pairs:
                writer.writerow([c.plate, p.first_read, p.second_read, p.first_at.isoformat(),
                                 p.second_at.isoformat(), f"{p.km:.3f}", f"{p.hours:.4f}",
                                 _cell(p.kmh, 1), f"{c.score:.3f}"])  # fmt: skip
    table = Table(title=f"{len(found):,} cloned plates")
    for col in ("plate", "score", "impossible journeys", "first seen", "last seen"):
        table.add_column(col)
    for c in found[:10]:
        table.add_row(c.plate, f"{c.score:.1f}", str(len(c.pairs)), c.first_seen.isoformat(),
                      c.last_seen.isoformat())  # fmt: skip
    out.print(table)


@anpr_app.command("shuttles")
def shuttles(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    start: Start = None,
    end: End = None,
    tz: Annotated[
        str, typer.Option(help="The local time zone of the cameras (night is local).")
    ] = shuttle_rules.TIME_ZONE,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
    engine: Engine = "duckdb",
) -> None:
    """Write `plate,runs,score` for every plate with shuttle runs, highest score first.

    A run: a night journey toward a crossing point and back within a day. `score`: -log10 of
    the chance of as many runs in as many journeys at the traffic's own rate.
    """
    try:
        params = shuttle_rules.ShuttleParams(time_zone=tz)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint="--tz") from None
    with store_session(workdir, store) as db:
        found, _ = service.shuttles(db, Caller.operator(purpose), time_option(start, "--start"),
                                    time_option(end, "--end"), params, engine=engine)  # fmt: skip
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["plate", "runs", "score"])
        for s in found:
            writer.writerow([s.plate, len(s.runs), f"{s.score:.3f}"])
    table = Table(title=f"{len(found):,} plates with shuttle runs")
    for col in ("plate", "runs", "journeys", "score"):
        table.add_column(col)
    for s in found[:10]:
        table.add_row(s.plate, str(len(s.runs)), str(s.journeys), f"{s.score:.2f}")
    out.print(table)


@anpr_app.command("alerts")
def alerts(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    start: Start = None,
    end: End = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Write `read_id,plate,at,camera,agency,entity_id,reason`: every read of a watchlisted
    vehicle (each ingest raises these as it adds reads), oldest first."""
    with store_session(workdir, store) as db:
        found = service.alerts(db, Caller.operator(purpose), time_option(start, "--start"),
                               time_option(end, "--end"))  # fmt: skip
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["read_id", "plate", "at", "camera", "agency", "entity_id", "reason"])
        for a in found:
            writer.writerow([a.read_id, a.plate, a.at.isoformat(), a.camera, a.agency,
                             a.entity_id, a.reason])  # fmt: skip
    table = Table(title=f"{len(found):,} reads of watchlisted vehicles")
    for col in ("plate", "at", "camera", "why"):
        table.add_column(col)
    for a in found[-10:]:
        table.add_row(a.plate, a.at.isoformat(), a.camera, a.reason)
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(anpr_app, name="anpr")
