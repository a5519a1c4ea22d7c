"""The `corridor` command line: thin commands over the services (Typer + Rich)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.authz import Authz
from corridor.commands import sharing as sharing_commands
from corridor.commands.audit import audit_app, review_app
from corridor.commands.common import Workdir, err, open_store, out, workdir_path
from corridor.errors import CorridorError
from corridor.plugins import INGEST_READERS, LIST_FORMATS
from corridor.settings import Settings

app = typer.Typer(
    help="Corridor: fuse, resolve, screen and share intelligence on organised immigration crime.",
    no_args_is_help=True,
)
users_app = typer.Typer(help="Users and their API keys.", no_args_is_help=True)
stats_app = typer.Typer(
    help="Statistics: real Frontex data and the store's counts.", no_args_is_help=True
)
lists_app = typer.Typer(
    help="Sanctions lists and watchlists to screen against.", no_args_is_help=True
)
alerts_app = typer.Typer(help="Screening alerts on the node's own entities.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(lists_app, name="lists")
app.add_typer(alerts_app, name="alerts")
app.add_typer(stats_app, name="stats")
app.add_typer(audit_app, name="audit")
app.add_typer(review_app, name="review")
sharing_commands.register(app)

_workdir = workdir_path
_store = open_store


def _positive(value: float) -> float:
    if value <= 0:
        raise typer.BadParameter("must be positive")
    return value


Scale = Annotated[
    float,
    typer.Option(callback=_positive, help="0.05 for tests, 1 for the demo, 50+ for benchmarks."),
]
Limit = Annotated[int, typer.Option(min=1, help="How many at most.")]


@app.command()
def scenario(
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder to write to (default WORKDIR/scenario).")
    ] = None,
    workdir: Workdir = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 7,
    scale: Scale = 1.0,
) -> None:
    """Generate the Western Balkans scenario: two agencies' records, sensors and ground truth."""
    from corridor.scenario import build_scenario

    out_dir = out_dir if out_dir is not None else _workdir(workdir) / "scenario"
    counts = build_scenario(out_dir, seed=seed, scale=scale)
    table = Table(title=f"Scenario written to {out_dir}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        table.add_row(key, f"{value:,}")
    out.print(table)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="A file, or a folder with a manifest.json.")],
    workdir: Workdir = None,
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
) -> None:
    """Ingest a file or a bundle; each file is one transaction and re-ingesting adds nothing."""
    from corridor.audit import Event, audit
    from corridor.ingest.service import IngestReport, ingest_path

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
    table = Table(title="Ingested")
    for col in ("file", "kind", "rows", "statements added", "observations added", "seconds"):
        table.add_column(col, justify="left" if col in ("file", "kind") else "right")

    def show(r: IngestReport) -> None:
        audit(store, Authz.system_user(), Event.WRITE, f"ingest/{r.file}",
              detail={"kind": r.kind, "rows_read": r.rows_read, "agency": defaults["agency"],
                      "statements_added": r.statements_added,
                      "observations_added": r.observations_added})  # fmt: skip
        table.add_row(
            r.file,
            r.kind,
            f"{r.rows_read:,}",
            f"{r.statements_added:,}",
            f"{r.observations_added:,}",
            f"{r.seconds:.2f}",
        )

    store = _store(workdir)
    try:
        ingest_path(
            store,
            path,
            kind,
            mapping,
            {k: v for k, v in defaults.items() if v},
            "system",
            progress,
            show,
        )
    finally:
        store.close()
        if table.row_count:
            out.print(table)


@app.command()
def entities(
    workdir: Workdir = None,
    schema: Annotated[
        str | None, typer.Option(help="Only this schema and those extending it.")
    ] = None,
    provenance: Annotated[
        bool, typer.Option(help="Add each value's provenance under `statements`.")
    ] = False,
) -> None:
    """Write entities as FollowTheMoney JSON lines to stdout."""
    from corridor.api.routes.entities import schemata_for

    store = _store(workdir, read_only=True)
    try:
        for record in store.iter_entities(Authz.system_user().scope, schemata_for(schema)):
            data = record.to_dict() if provenance else record.to_ftm_dict()
            sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    finally:
        store.close()


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="A name in any script or spelling.")],
    workdir: Workdir = None,
    schema: Annotated[str | None, typer.Option(help="Only this schema.")] = None,
    limit: Limit = 20,
) -> None:
    """Search names across scripts and spellings."""
    from corridor.api.routes.entities import schemata_for

    store = _store(workdir, read_only=True)
    try:
        scope = Authz.system_user().scope
        table = Table(title=f"Search: {query}")
        for col in ("id", "schema", "score", "names", "agencies"):
            table.add_column(col)
        for hit in store.search(query, scope, schemata_for(schema), limit):
            record = store.get_entity(hit.entity_id, scope)
            agencies = (
                ", ".join(sorted({s.row["agency"] for s in record.statements})) if record else ""
            )
            table.add_row(
                hit.entity_id, hit.schema, f"{hit.score:g}", "; ".join(hit.names), agencies
            )
        out.print(table)
    finally:
        store.close()


@app.command()
def resolve(
    workdir: Workdir = None,
    kind: Annotated[
        str, typer.Option(help="Person, Organization, Vehicle, BankAccount or all.")
    ] = "all",
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    threshold: Annotated[float, typer.Option(help="Match probability that joins a cluster.")] = 0.7,
) -> None:
    """Resolve every stored record of a kind into entities (analysts' judgements are kept)."""
    from corridor.resolve import service
    from corridor.resolve.records import RESOLVABLE

    kinds = list(RESOLVABLE) if kind == "all" else [kind]
    store = _store(workdir)
    try:
        table = Table(title="Resolution")
        for col in (
            "kind",
            "records",
            "pairs scored",
            "clusters",
            "with several records",
            "seconds",
        ):
            table.add_column(col, justify="left" if col == "kind" else "right")
        for k in kinds:
            s = service.resolve_all(store, k, engine, threshold)
            table.add_row(
                k,
                f"{s.records:,}",
                f"{s.pairs:,}",
                f"{s.clusters:,}",
                f"{s.multi_record_clusters:,}",
                f"{s.seconds:.1f}",
            )
        out.print(table)
    finally:
        store.close()


@app.command()
def matches(
    entity_id: Annotated[str, typer.Argument(help="A record's id.")],
    workdir: Workdir = None,
    limit: Limit = 10,
) -> None:
    """Candidate matches for a record: which fields agreed or disagreed, and their weights."""
    from corridor.resolve import service

    store = _store(workdir, read_only=True)
    try:
        found = service.matches(store, entity_id, Authz.system_user().scope, limit)
    finally:
        store.close()
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


@app.command()
def judge(
    left: Annotated[str, typer.Argument(help="One record's id.")],
    right: Annotated[str, typer.Argument(help="The other record's id.")],
    verdict: Annotated[str, typer.Option(help="positive (same), negative (different) or unsure.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    user: Annotated[str, typer.Option(help="Who judges (recorded).")] = "operator",
    workdir: Workdir = None,
) -> None:
    """Judge whether two records are the same; it overrides the model and survives re-runs."""
    from corridor.audit import Event, audit
    from corridor.resolve import service

    store = _store(workdir)
    try:
        j = service.judge(store, left, right, verdict, user, note)
        audit(store, Authz.system_user(), Event.JUDGE,
              f"judgements/{j.left_id}/{j.right_id}",
              detail={"verdict": j.verdict, "note": note, "recorded_as": user})  # fmt: skip
        clusters = store.clusters_of([left, right])
    finally:
        store.close()
    same = clusters.get(left) == clusters.get(right)
    out.print(f"{j.verdict} judgement by {j.user_name} at {j.at:%Y-%m-%d %H:%M} recorded; "
              f"{left} and {right} are now {'in one cluster' if same else 'apart'}")  # fmt: skip


@app.command("canonical")
def canonical_entity(
    entity_id: Annotated[str, typer.Argument(help="A record's id.")],
    workdir: Workdir = None,
) -> None:
    """The merged entity of a record's cluster as FtM JSON, each value with its source record."""
    from corridor.resolve import service

    store = _store(workdir, read_only=True)
    try:
        data = service.canonical(store, entity_id, Authz.system_user().scope)
    finally:
        store.close()
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
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
    threshold: Annotated[float, typer.Option(help="Match probability that joins a cluster.")] = 0.7,
) -> None:
    """Deduplicate or link tables of people, trained on the input itself (no labels)."""
    from corridor.errors import ValidationError
    from corridor.resolve.tabular import describe, link_tables, write_outputs

    fields = {}
    for item in field or []:
        role, sep, column = item.partition("=")
        if not sep or not role or not column:
            raise ValidationError(f"--field {item!r}: write ROLE=COLUMN", "field")
        fields[role.strip()] = column.strip()
    result = link_tables(inputs, id_column, fields, backend, threshold)
    write_outputs(result, out_file, pairs_out, sources=len(inputs) == 2)
    summary = describe(result)
    err.print(
        f"{summary['records']:,} records → {summary['clusters']:,} clusters "
        f"({summary['multi_record_clusters']:,} with several records); "
        f"{summary['pairs']:,} pairs scored; fields: "
        + ", ".join(f"{r}={'+'.join(c)}" for r, c in summary["fields"].items())
    )


@lists_app.command("load")
def lists_load(
    path: Annotated[Path, typer.Argument(help="The list file (or the OFAC folder).")],
    dataset: Annotated[str, typer.Option(help="The dataset name to load it as, e.g. un_sc.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"{', '.join(LIST_FORMATS.names)}."),
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="Mapping file for a watchlist CSV.")] = None,
    workdir: Workdir = None,
) -> None:
    """Load a list as a named screening dataset; a newer version updates it (additions,
    changes, delistings), and the node's entities are screened against it."""
    from corridor.screen.alerts import screen_entities
    from corridor.screen.lists import load_list

    store = _store(workdir)
    try:
        report = load_list(store, path, dataset, fmt, mapping)
        raised = screen_entities(store)
    finally:
        store.close()
    out.print(
        f"[bold]{report.dataset}[/bold] version {report.version}: {report.entities:,} listed "
        f"({report.added:,} added, {report.changed:,} changed, {report.delisted:,} delisted, "
        f"{report.unchanged:,} unchanged); {len(raised):,} new alert"
        + ("" if len(raised) == 1 else "s")
    )


@lists_app.command("show")
def lists_show(workdir: Workdir = None) -> None:
    """The loaded datasets and their versions."""
    store = _store(workdir, read_only=True)
    try:
        versions = store.list_versions()
    finally:
        store.close()
    table = Table(title="Screening datasets")
    for col in (
        "dataset",
        "version",
        "source",
        "loaded",
        "entities",
        "added",
        "changed",
        "delisted",
    ):
        table.add_column(col)
    for v in versions:
        loaded = v.loaded_at.isoformat(timespec="seconds")
        counts = (f"{v.entities:,}", f"{v.added:,}", f"{v.changed:,}", f"{v.delisted:,}")
        table.add_row(v.name, str(v.version), v.source, loaded, *counts)
    out.print(table)


@app.command()
def screen(
    input_file: Annotated[
        Path, typer.Argument(help="CSV of names to screen (FtM property columns).")
    ],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the hits (CSV).")],
    dataset: Annotated[
        str, typer.Option(help="Dataset name, or default for all lists.")
    ] = "default",
    schema: Annotated[
        str, typer.Option(help="What each row is: Person, Organization, Vehicle, …")
    ] = "Person",
    threshold: Annotated[float, typer.Option(help="Score at which a result is a hit.")] = 0.7,
    workdir: Workdir = None,
) -> None:
    """Screen a table of names (columns: id, name, birthDate, nationality, …) against the lists."""
    import csv

    from corridor.errors import InputError
    from corridor.model.scope import SYSTEM_SCOPE
    from corridor.screen.matching import screen_rows

    if not input_file.is_file():
        raise InputError("file not found", file=input_file.name)
    with input_file.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    store = _store(workdir, read_only=True)
    try:
        hits = screen_rows(store, dataset, rows, SYSTEM_SCOPE, schema, threshold)
    finally:
        store.close()
    columns = ["row", "query_id", "entity_id", "dataset", "caption", "score", "features"]
    with out_file.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(hits)
    err.print(f"{len(rows):,} rows screened, {len(hits):,} hits written to {out_file.name}")


@alerts_app.command("list")
def alerts_list(
    status: Annotated[
        str | None, typer.Option(help="open, true_match or false_positive.")
    ] = "open",
    workdir: Workdir = None,
) -> None:
    """Screening alerts with their scores and reasons."""
    store = _store(workdir, read_only=True)
    try:
        found = store.alerts(status=status)
    finally:
        store.close()
    table = Table(title=f"Alerts ({status or 'all'})")
    for col in ("alert", "entity", "listed entity", "dataset", "score", "why", "status"):
        table.add_column(col)
    for a in found:
        why = "; ".join(f"{k} {v['score']:+.2f}" for k, v in a.explanation.items())
        table.add_row(
            a.id[:12], a.entity_id, a.list_entity_id, a.dataset, f"{a.score:.3f}", why, a.status
        )
    out.print(table)


@alerts_app.command("decide")
def alerts_decide(
    alert_id: Annotated[str, typer.Argument(help="The alert's id (or a unique prefix).")],
    decision: Annotated[str, typer.Option(help="true_match or false_positive.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    user: Annotated[str, typer.Option(help="Who decides (recorded).")] = "operator",
    workdir: Workdir = None,
) -> None:
    """Decide an alert; a false positive is not raised again while the evidence is the same."""
    from corridor.audit import Event, audit
    from corridor.errors import NotFound
    from corridor.screen.alerts import decide

    store = _store(workdir)
    try:
        matches_ = [a for a in store.alerts() if a.id.startswith(alert_id)]
        if len(matches_) != 1:
            raise NotFound(f"no single alert with id {alert_id!r}")
        decided = decide(store, matches_[0].id, decision, user, note)
        audit(store, Authz.system_user(), Event.DECIDE, f"alerts/{decided.id}",
              detail={"decision": decision, "note": note, "recorded_as": user})  # fmt: skip
    finally:
        store.close()
    out.print(f"alert {decided.id[:12]}: {decided.status} by {decided.decided_by}")


@stats_app.command("frontex")
def stats_frontex(
    route: Annotated[str, typer.Option(help="Frontex route name.")] = "Western Balkan Route",
    year: Annotated[int | None, typer.Option(help="Calendar year.")] = None,
    top: Annotated[int, typer.Option(min=1, help="Nationalities to list.")] = 15,
    workdir: Workdir = None,
) -> None:
    """Real Frontex detections on a route (detections, not people), by nationality.

    The figures ship with Corridor, so this reads no store (`--workdir` is accepted, unused).
    """
    from corridor.stats.frontex import Frontex

    s = Frontex().summary(route, year)
    period = str(s.year) if s.year else "all years"
    out.print(f"[bold]{s.route}[/bold], {period}: [bold]{s.total:,}[/bold] detections")
    table = Table(title="By nationality")
    table.add_column("nationality")
    table.add_column("ISO3")
    table.add_column("detections", justify="right")
    table.add_column("share", justify="right")
    for n in s.by_nationality[:top]:
        table.add_row(n.name, n.iso3, f"{n.detections:,}", f"{100 * n.detections / s.total:.1f}%")
    out.print(table)


@stats_app.command("counts")
def stats_counts(workdir: Workdir = None) -> None:
    """Entities, statements and observations per agency."""
    from corridor.demo import counts_table

    store = _store(workdir, read_only=True)
    try:
        out.print(counts_table(store.counts(Authz.system_user().scope)))
    finally:
        store.close()


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[
        str, typer.Option(help="analyst, supervisor, sharing_officer, auditor or admin.")
    ],
    agency: Annotated[str, typer.Option(help="The user's agency, e.g. RS-MUP.")],
    clearance: Annotated[
        str, typer.Option(help="Highest classification the user may see.")
    ] = "OFFICIAL-SENSITIVE",
    workdir: Workdir = None,
) -> None:
    """Add a user and print their API key (shown once; only its hash is kept)."""
    from corridor.access.users import create_user
    from corridor.audit import Event, audit

    store = _store(workdir)
    try:
        user, key = create_user(store, name, role, agency, clearance)
        audit(store, Authz.system_user(), Event.ADMIN, f"users/{user.name}",
              detail={"role": user.role, "agency": user.agency,
                      "clearance": user.clearance})  # fmt: skip
    finally:
        store.close()
    err.print(f"Created {user.role} {user.name!r} of {user.agency}; API key (shown once):")
    print(key)


@users_app.command("list")
def users_list(workdir: Workdir = None) -> None:
    """List users (never their keys)."""
    from corridor.model.classification import Classification

    store = _store(workdir, read_only=True)
    try:
        table = Table(title="Users")
        for col in ("name", "role", "agency", "clearance", "created"):
            table.add_column(col)
        for u in store.users():
            table.add_row(
                u.name,
                u.role,
                u.agency,
                Classification(u.clearance).label,
                u.created_at.isoformat(timespec="seconds"),
            )
        out.print(table)
    finally:
        store.close()


@app.command()
def serve(
    workdir: Workdir = None,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    from corridor.demo import serve_app

    settings = Settings()
    serve_app(_workdir(workdir), host or settings.host, port or settings.port)


@app.command()
def demo(
    workdir: Workdir = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API when done.")
    ] = True,
    seed: int = 7,
    scale: Scale = 1.0,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Build the Western Balkans scenario, ingest it, show what Corridor does, and serve it."""
    from corridor.demo import run_demo, serve_app

    path = workdir if workdir is not None else Path(".corridor-demo")
    ports = (port + 1, port + 2)
    run_demo(path, seed=seed, scale=scale, console=out, node_ports=ports, keep_nodes=serve)
    if serve:
        out.print(
            f"The RS-MUP node serves on http://127.0.0.1:{port + 1} and the GB-NCA node on "
            f"http://127.0.0.1:{port + 2} (their keys in {path}/nodes/*/node-keys.json)"
        )
        serve_app(path, host, port)


def main() -> None:
    """Entry point: Corridor's own errors print as one clear line and exit 2. Typer handles the
    rest in standalone mode: a usage error names the option and exits 2, Ctrl-C exits 130."""
    try:
        app()
    except CorridorError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        sys.exit(2)
