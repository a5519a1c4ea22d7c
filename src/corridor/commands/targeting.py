"""`corridor targeting list`: which vehicles to scan at a crossing point, and why."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import (
    Engine,
    Purpose,
    StoreUrl,
    Workdir,
    out,
    store_session,
    time_option,
)
from corridor.sensors import service

targeting_app = typer.Typer(help="Vehicle targeting at crossing points.", no_args_is_help=True)


@targeting_app.command("list")
def target_list(
    crossing: Annotated[str, typer.Option(help="The crossing point's id, as records name it.")],
    at: Annotated[str, typer.Option(help="When (ISO 8601): vehicles expected around then.")],
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    top: Annotated[int, typer.Option(min=1, help="How many to list.")] = 20,
    engine: Engine = "duckdb",
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Write `plate,score,reasons` (most likely to carry something first; reasons
    `;`-separated as code: evidence)."""
    when = time_option(at, "--at")
    assert when is not None
    with store_session(workdir, store) as db:
        found, expected = service.targeting(
            db, Caller.operator(purpose), crossing, when, top, engine=engine
        )
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["plate", "score", "reasons"])
        for t in found.targets:
            reasons = "; ".join(f"{r.code}: {r.evidence}" for r in t.reasons)
            writer.writerow([t.plate, f"{t.score:.4f}", reasons])
    table = Table(title=f"{crossing} around {when.isoformat()}: {expected:,} vehicles expected, "
                  f"ratios learnt from {found.scans_learnt:,} scans")  # fmt: skip
    for col in ("plate", "score", "arrives", "why"):
        table.add_column(col)
    for t in found.targets[:top]:
        why = ", ".join(f"{r.code} ×{r.ratio:.1f}" for r in t.reasons) or "—"
        table.add_row(t.plate, f"{t.score:.3f}", t.eta.strftime("%H:%M"), why)
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(targeting_app, name="targeting")
