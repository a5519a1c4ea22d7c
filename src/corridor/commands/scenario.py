"""`corridor scenario`: generate the Western Balkans scenario bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.commands.common import Scale, Workdir, out, workdir_path
from corridor.scenario import build_scenario


def scenario(
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder to write to (default WORKDIR/scenario).")
    ] = None,
    workdir: Workdir = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 7,
    scale: Scale = 1.0,
) -> None:
    """Generate the Western Balkans scenario: two agencies' records, sensors and ground truth."""
    out_dir = out_dir if out_dir is not None else workdir_path(workdir) / "scenario"
    counts = build_scenario(out_dir, seed=seed, scale=scale)
    table = Table(title=f"Scenario written to {out_dir}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        table.add_row(key, f"{value:,}")
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command()(scenario)
