"""`corridor ingest`: files and bundles into the store, one transaction per file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from corridor.access.caller import Caller
from corridor.commands.common import Purpose, StoreUrl, Workdir, out, store_session
from corridor.ingest.service import ingest_path
from corridor.ingest.table import IngestTable
from corridor.plugins import INGEST_READERS
from corridor.settings import Settings


def ingest(
    path: Annotated[Path, typer.Argument(help="A file, or a folder with a manifest.json.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    kind: Annotated[str | None, typer.Option(help=f"{', '.join(INGEST_READERS.names)}.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="Mapping file (YAML) for CSV/XLSX.")] = None,
    agency: Annotated[str | None, typer.Option(help="Owning agency, e.g. GB-NCA.")] = None,
    grading: Annotated[str | None, typer.Option(help="Default grade, e.g. 2BP.")] = None,
    grading_scheme: Annotated[str | None, typer.Option(help="3x5x2, 5x5x5 or europol.")] = None,
    classification: Annotated[
        str | None, typer.Option(help="OFFICIAL, OFFICIAL-SENSITIVE, SECRET.")
    ] = None,
    action_code: Annotated[str | None, typer.Option(help="A1, A2 or A3 (handling code C).")] = None,
    sanitisation_code: Annotated[
        str | None, typer.Option(help="S1 or S2 (handling code C).")
    ] = None,
    instructions: Annotated[
        str | None, typer.Option(help="Free-text handling instructions.")
    ] = None,
    person_category: Annotated[
        str | None, typer.Option(help="suspect, victim, witness, contact, …")
    ] = None,
    review_by: Annotated[str | None, typer.Option(help="Review-by date (ISO 8601).")] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars on long inputs.")] = True,
    purpose: Purpose = None,
) -> None:
    """Ingest a file or a bundle; each file is one transaction and re-ingesting adds nothing."""
    defaults = {
        "agency": agency or Settings().agency,
        "grading": grading,
        "grading_scheme": grading_scheme,
        "classification": classification,
        "action_code": action_code,
        "sanitisation_code": sanitisation_code,
        "handling_instructions": instructions,
        "person_category": person_category,
        "review_by": review_by,
    }
    table = IngestTable("Ingested")
    try:
        with store_session(workdir, store) as db:
            ingest_path(
                db,
                Caller.operator(purpose),
                path,
                kind,
                mapping,
                {k: v for k, v in defaults.items() if v},
                progress,
                table.add,
            )
    finally:
        if table.rows:  # the files ingested before one failed, too
            out.print(table.table)
        for warning in table.warnings():
            out.print(f"[yellow]{escape(warning)}[/yellow]")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
