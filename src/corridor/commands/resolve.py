"""`corridor resolve|matches|judge|canonical|link`: entity resolution over the store (with
analysts' judgements), explained, and over any table of people."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import (
    Limit,
    Purpose,
    StoreUrl,
    Workdir,
    err,
    out,
    store_session,
)
from corridor.errors import ValidationError
from corridor.resolve import service
from corridor.resolve.records import RESOLVABLE
from corridor.resolve.tabular import LINK_THRESHOLD, describe, link_tables, write_outputs


def resolve(
    workdir: Workdir = None,
    store: StoreUrl = None,
    kind: Annotated[
        str, typer.Option(help="Person, Organization, Vehicle, BankAccount or all.")
    ] = "all",
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    threshold: Annotated[float, typer.Option(help="Match probability that joins a cluster.")] = 0.7,
    purpose: Purpose = None,
) -> None:
    """Resolve every stored record of a kind into entities (analysts' judgements are kept)."""
    kinds = list(RESOLVABLE) if kind == "all" else [kind]
    table = Table(title="Resolution")
    for col in ("kind", "records", "pairs scored", "clusters", "with several records", "seconds"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    with store_session(workdir, store) as db:
        for k in kinds:
            s = service.resolve_all(db, Caller.operator(purpose), k, engine, threshold)
            table.add_row(
                k,
                f"{s.records:,}",
                f"{s.pairs:,}",
                f"{s.clusters:,}",
                f"{s.multi_record_clusters:,}",
                f"{s.seconds:.1f}",
            )
    out.print(table)


def matches(
    entity_id: Annotated[str, typer.Argument(help="A record's id.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    limit: Limit = 10,
    purpose: Purpose = None,
) -> None:
    """Candidate matches for a record: which fields agreed or disagreed, and their weights."""
    with store_session(workdir, store) as db:
        found = service.matches(db, Caller.operator(purpose), entity_id, limit)
    out.print(f"[bold]{entity_id}[/bold] in cluster {found['cluster_id']}")
    for m in found["matches"]:
        ex = m["explanation"]
        title = f"{m['id']}: probability {m['probability']:.3f}, weight {ex['match_weight']:+.2f}"
        table = Table(title=title + (" (same cluster)" if m["same_cluster"] else ""))
        for col in ("field", "level", "weight", "this record", "that record"):
            table.add_column(col, justify="right" if col == "weight" else "left")
        table.add_row("prior", "two random records match", f"{ex['prior_weight']:+.2f}", "", "")
        for f in ex["fields"]:
            colour = "green" if f["weight"] > 0 else "red" if f["weight"] < 0 else "dim"
            table.add_row(
                f["field"],
                f["level"],
                f"[{colour}]{f['weight']:+.2f}[/{colour}]",
                str(f["left"] or ""),
                str(f["right"] or ""),
            )
        out.print(table)


def judge(
    left: Annotated[str, typer.Argument(help="One record's id.")],
    right: Annotated[str, typer.Argument(help="The other record's id.")],
    verdict: Annotated[str, typer.Option(help="positive (same), negative (different) or unsure.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    user: Annotated[str, typer.Option(help="Who judges (recorded).")] = "operator",
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """Judge whether two records are the same; it overrides the model and survives re-runs."""
    with store_session(workdir, store) as db:
        j = service.judge(db, Caller.operator(purpose), left, right, verdict, note, user)
        clusters = db.clusters_of([left, right])
    same = clusters.get(left) == clusters.get(right)
    out.print(f"{j.verdict} judgement by {j.user_name} at {j.at:%Y-%m-%d %H:%M} recorded; "
              f"{left} and {right} are now {'in one cluster' if same else 'apart'}")  # fmt: skip


def canonical(
    entity_id: Annotated[str, typer.Argument(help="A record's id.")],
    workdir: Workdir = None,
    store: StoreUrl = None,
    purpose: Purpose = None,
) -> None:
    """The merged entity of a record's cluster as FtM JSON, each value with its source record."""
    with store_session(workdir, store) as db:
        data = service.canonical(db, Caller.operator(purpose), entity_id)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def link(
    inputs: Annotated[
        list[Path], typer.Argument(help="One CSV/Parquet file to deduplicate, or two to link.")
    ],
    id_column: Annotated[
        str, typer.Option("--id-column", help="The column with each record's id.")
    ],
    out_file: Annotated[
        Path, typer.Option("--out", help="Where to write record_id,cluster_id[,source].")
    ],
    pairs_out: Annotated[
        Path | None, typer.Option("--pairs-out", help="Also write left_id,right_id,probability.")
    ] = None,
    backend: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="ROLE=COLUMN, e.g. family_name=nazwisko (repeatable)."),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(help="Match probability that joins a cluster (0.5: more likely than not)."),
    ] = LINK_THRESHOLD,
    model_out: Annotated[
        Path | None,
        typer.Option("--model-out", help="Write the trained model (Splink's settings JSON)."),
    ] = None,
) -> None:
    """Deduplicate or link tables of people, trained on the input itself (no labels)."""
    if not 0 < threshold < 1:
        raise ValidationError("--threshold must be between 0 and 1", "threshold")
    fields = {}
    for item in field or []:
        role, sep, column = item.partition("=")
        if not sep or not role or not column:
            raise ValidationError(f"--field {item!r}: write ROLE=COLUMN", "field")
        fields[role.strip()] = column.strip()
    for option, path in (("out", out_file), ("pairs_out", pairs_out), ("model_out", model_out)):
        # Checked before the linking, which may take minutes, rather than when writing.
        if path is not None and (path.is_dir() or not path.parent.is_dir()):
            raise ValidationError(f"--{option.replace('_', '-')} {path}: not a file in an "
                                  "existing folder", option)  # fmt: skip
    result = link_tables(
        inputs, id_column, fields, backend, threshold, pairs_from=0.01 if pairs_out else None
    )
    write_outputs(result, out_file, pairs_out, sources=len(inputs) == 2)
    if model_out is not None:
        model_out.write_text(json.dumps(result.model, indent=2), encoding="utf-8")
    summary = describe(result)
    err.print(
        f"{summary['records']:,} records → {summary['clusters']:,} clusters "
        f"({summary['multi_record_clusters']:,} with several records); "
        f"{summary['pairs']:,} pairs at or above {min(threshold, 0.01 if pairs_out else 1):g}; "
        "fields: " + ", ".join(f"{r}={'+'.join(c)}" for r, c in summary["fields"].items())
    )


def register(app: typer.Typer) -> None:
    app.command()(resolve)
    app.command()(matches)
    app.command()(judge)
    app.command()(canonical)
    app.command()(link)
