"""`corridor anpr convoys`: what the ANPR reads show about vehicles on the route."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import Purpose, StoreUrl, Workdir, out, store_session
from corridor.errors import ValidationError
from corridor.model.timeparse import parse_datetime
from corridor.sensors import convoys as convoy_rules
from corridor.sensors import service

anpr_app = typer.Typer(help="ANPR: vehicles travelling together.", no_args_is_help=True)


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value, option.lstrip("-"))
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint=option) from None


@anpr_app.command("convoys")
def convoys(
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    start: Annotated[
        str | None, typer.Option(help="Reads from this time (ISO 8601).", show_default=False)
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Reads before this time (ISO 8601).", show_default=False)
    ] = None,
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
) -> None:
    """Write `convoy_id,plate,first_seen,last_seen,reads` (one row per vehicle of a convoy)."""
    params = convoy_rules.ConvoyParams(
        window_s=window, min_cameras=min_cameras, max_drift_s=max_drift
    )
    with store_session(workdir, store) as db:
        found = service.convoys(
            db, Caller.operator(purpose), _time(start, "--start"), _time(end, "--end"), params
        )
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


def register(app: typer.Typer) -> None:
    app.add_typer(anpr_app, name="anpr")
