"""`corridor network build|communities|rank|roles|brokers|burners|changes|path|expand|export`
and `corridor timeline`: who works with whom, which group each person is in and what they do,
whom to take out first, who bridges groups, which phones replaced which, what changed between
two days, how two entities are connected (and when), the network for other tools, and what
happened."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.access.caller import Caller
from corridor.commands.common import Purpose, StoreUrl, Workdir, out, store_session
from corridor.errors import ValidationError
from corridor.model.timeparse import parse_date
from corridor.network import export, service

network_app = typer.Typer(
    help="Networks: groups, key players and paths, from what the store holds.",
    no_args_is_help=True,
)


def _day(value: str | None, option: str = "--as-of") -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value, option.lstrip("-").replace("-", "_"))
    except ValidationError as exc:
        raise typer.BadParameter(exc.message, param_hint=option) from None


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Only what the agencies knew by the end of this day (YYYY-MM-DD).",
        show_default=False,
    ),
]
Out = Annotated[Path, typer.Option("--out", help="The CSV file to write.")]
MaybeOut = Annotated[
    Path | None, typer.Option("--out", help="The CSV file to write.", show_default=False)
]


def _write(path: Path, header: list[str], rows: Iterable[Sequence[object]]) -> None:
    """One of the network's CSV answers: a header, then the rows."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


@network_app.command("build")
def build(
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    purpose: Purpose = None,
) -> None:
    """Build the network and say what it holds: nodes and links by kind."""
    with store_session(workdir, store) as db:
        summary = service.build(db, Caller.operator(purpose), _day(as_of))
    table = Table(title="Network" + (f" as of {summary['as_of']}" if summary["as_of"] else ""))
    table.add_column("what")
    table.add_column("how many", justify="right")
    for kind, n in summary["nodes_by_kind"].items():
        table.add_row(f"nodes: {kind}", f"{n:,}")
    for kind, n in summary["links_by_kind"].items():
        table.add_row(f"links: {kind}", f"{n:,}")
    table.add_row("people", f"{summary['people']:,}")
    table.add_row("links between people", f"{summary['people_links']:,}")
    table.add_row("communities", f"{summary['communities']:,}")
    out.print(table)


@network_app.command("communities")
def communities(
    out_file: Out,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    purpose: Purpose = None,
) -> None:
    """Write `entity_id,community` for every person record (Leiden on the people's network)."""
    with store_session(workdir, store) as db:
        rows = service.communities(db, Caller.operator(purpose), _day(as_of))
    _write(out_file, ["entity_id", "community"], rows)
    out.print(f"{len(rows):,} person records in {len({c for _, c in rows}):,} communities")


@network_app.command("rank")
def rank(
    out_file: Out,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    top: Annotated[int, typer.Option(min=0, help="How many to show here (all go to --out).")] = 10,
    purpose: Purpose = None,
) -> None:
    """Write `entity_id,score,record_ids` (one row per person, most disruptive first)."""
    with store_session(workdir, store) as db:
        rows = service.rank(db, Caller.operator(purpose), _day(as_of))
    _write(out_file, ["entity_id", "score", "record_ids"],
           ([r.entity_id, f"{r.score:.6f}", ";".join(r.record_ids)] for r in rows))  # fmt: skip
    table = Table(title="Whom to take out first")
    for col in ("entity", "name", "role", "score", "disruption", "degree", "community"):
        table.add_column(col, justify="left" if col in ("entity", "name", "role") else "right")
    for r in rows[:top]:
        table.add_row(r.entity_id, r.label, r.role, f"{r.score:.4f}", f"{r.disruption:.4f}",
                      str(r.degree), str(r.community))  # fmt: skip
    out.print(table)


@network_app.command("brokers")
def brokers(
    out_file: MaybeOut = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    top: Annotated[int, typer.Option(min=0, help="How many to show here (all go to --out).")] = 10,
    purpose: Purpose = None,
) -> None:
    """Who bridges communities: `entity_id,score,communities,record_ids` (strongest first)."""
    with store_session(workdir, store) as db:
        rows = service.brokers(db, Caller.operator(purpose), _day(as_of))
    if out_file is not None:
        _write(out_file, ["entity_id", "score", "communities", "record_ids"],
               ([b.entity_id, f"{b.score:.6f}", ";".join(str(c) for c in sorted(b.communities)),
                 ";".join(b.record_ids)] for b in rows))  # fmt: skip
    table = Table(title="Brokers between communities")
    for col in ("entity", "name", "score", "participation", "betweenness", "communities"):
        table.add_column(col, justify="left" if col in ("entity", "name") else "right")
    for b in rows[:top]:
        bridged = ", ".join(f"{c} ({s:.0%})" for c, s in sorted(b.communities.items()))
        table.add_row(b.entity_id, b.label, f"{b.score:.4f}", f"{b.participation:.3f}",
                      f"{b.betweenness:.3f}", bridged)  # fmt: skip
    out.print(table)
    out.print(f"{len(rows):,} people tied into two communities or more")


@network_app.command("burners")
def burners(
    out_file: MaybeOut = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    purpose: Purpose = None,
) -> None:
    """Phones that took over another's contacts (burner churn), with the evidence:
    `old_phone,new_phone,score,shared_contacts,gap_days,old_users,new_users`."""
    with store_session(workdir, store) as db:
        found = service.burners(db, Caller.operator(purpose), _day(as_of))
    if out_file is not None:
        _write(out_file, ["old_phone", "new_phone", "score", "shared_contacts", "gap_days",
                          "old_users", "new_users", "record_ids"],
               ([s.old_phone, s.new_phone, f"{s.score:.6f}", ";".join(s.shared),
                 f"{s.gap_days:.2f}", ";".join(s.old_users), ";".join(s.new_users),
                 ";".join(s.record_ids)] for s in found))  # fmt: skip
    table = Table(title="Phone successions")
    for col in ("old", "last call", "new", "first call", "score", "shared", "users"):
        table.add_column(col)
    for s in found:
        table.add_row(s.old_phone, s.old_last.date().isoformat(), s.new_phone,
                      s.new_first.date().isoformat(), f"{s.score:.3f}", str(len(s.shared)),
                      ", ".join(dict.fromkeys(s.old_users + s.new_users)))  # fmt: skip
    out.print(table)
    out.print(f"{len(found):,} successions")


@network_app.command("changes")
def changes(
    start: Annotated[str, typer.Option("--from", help="The first day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="The last day (YYYY-MM-DD).")],
    out_file: MaybeOut = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="Write the answer as JSON.")] = False,
    purpose: Purpose = None,
) -> None:
    """What changed between two days: who joined or left, links that appeared or ended, who
    moved community."""
    first, last = _day(start, "--from"), _day(end, "--to")
    assert first is not None and last is not None  # both options are required
    with store_session(workdir, store) as db:
        found = service.changes(db, Caller.operator(purpose), first, last, _day(as_of))
    if out_file is not None:
        _write(out_file, ["change", "entity_id", "other_id", "kind", "at", "from_community",
                          "to_community", "detail", "record_ids"],
               ([r["change"], r["entity_id"], r["other_id"] or "", r["kind"] or "",
                 r["at"] or "", "" if r["from_community"] is None else r["from_community"],
                 "" if r["to_community"] is None else r["to_community"], r["detail"],
                 ";".join(r["record_ids"])] for r in found["changes"]))  # fmt: skip
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    out.print(f"From {found['from']} to {found['to']}: "
              + ", ".join(f"{c} {n:,}" for c, n in found["counts"].items()))  # fmt: skip


@network_app.command("path")
def path(
    a: Annotated[str, typer.Argument(help="A record id.")],
    b: Annotated[str, typer.Argument(help="Another record id.")],
    within: Annotated[
        str | None,
        typer.Option(
            help="Links one after another, all within this time (30d, 12h, 2w).",
            show_default=False,
        ),
    ] = None,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="Write the answer as JSON.")] = False,
    purpose: Purpose = None,
) -> None:
    """How A is connected to B: the strongest chain, or with --within a time-respecting one."""
    window = service.parse_window(within) if within is not None else None
    with store_session(workdir, store) as db:
        found = service.path(db, Caller.operator(purpose), a, b, _day(as_of), window)
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    if not found["found"]:
        out.print(f"no {'time-respecting ' if window else ''}path from {a} to {b}")
        return
    labels = {n["id"]: n["label"] for n in found["nodes"]}
    out.print(" → ".join(f"{labels[n['id']]} ({n['id']})" for n in found["nodes"]))
    for step in found["steps"]:
        out.print(f"  {step['at']}  {labels[step['from']]} → {labels[step['to']]}: "
                  f"{step['kind']} ({step['record_id']})")  # fmt: skip
    if not found["steps"]:
        for link in found["links"]:
            out.print(f"  {labels[link['a']]} – {labels[link['b']]}: {link['kind']}, weight "
                      f"{link['weight']:.3f}, {len(link['evidence'])} evidence")  # fmt: skip


@network_app.command("expand")
def expand(
    entity_id: Annotated[str, typer.Argument(help="A record id.")],
    hops: Annotated[int, typer.Option(min=1, max=service.MAX_HOPS, help="How far.")] = 1,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="Write the answer as JSON.")] = False,
    purpose: Purpose = None,
) -> None:
    """Everything within some links of an entity, with the links among them."""
    with store_session(workdir, store) as db:
        found = service.expand(db, Caller.operator(purpose), entity_id, hops, _day(as_of))
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    table = Table(title=f"Within {hops} link(s) of {found['id']}")
    for col in ("hops", "entity", "kind", "name", "records"):
        table.add_column(col)
    for n in found["nodes"]:
        table.add_row(str(n["hops"]), n["id"], n["kind"], n["label"], str(len(n["record_ids"])))
    out.print(table)
    out.print(f"{len(found['links']):,} links" + (" (truncated)" if found["truncated"] else ""))


@network_app.command("roles")
def roles(
    out_file: Out,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    purpose: Purpose = None,
) -> None:
    """Write `entity_id,role,score` for every person record (roles from behaviour and from
    the roles records state, each with its grading)."""
    with store_session(workdir, store) as db:
        guessed = service.roles(db, Caller.operator(purpose), _day(as_of))
    rows = sorted((r, g.role, g.score) for g in guessed for r in g.record_ids)
    _write(out_file, ["entity_id", "role", "score"],
           ([r, role, f"{score:.4f}"] for r, role, score in rows))  # fmt: skip
    counts = Counter(g.role for g in guessed)
    out.print(f"{len(rows):,} person records; people by role: "
              + ", ".join(f"{r} {n:,}" for r, n in sorted(counts.items())))  # fmt: skip


@network_app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="graphml, gexf, cytoscape, i2 or ftm.")],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out",
            help="The file to write; for i2 a folder (entities.csv, links.csv, "
            "import-spec.txt) or a name F (F.entities.csv, F.links.csv, F.import-spec.txt).",
        ),
    ],
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    purpose: Purpose = None,
) -> None:
    """Write the network for Gephi (GraphML, GEXF), Cytoscape, i2 Analyst's Notebook or Aleph."""
    fmt = export.check_format(fmt)
    with store_session(workdir, store) as db:
        files = service.export_network(db, Caller.operator(purpose), fmt, _day(as_of))
    written = []
    for name, content in files.items():
        if fmt != "i2":
            target = out_path
        elif out_path.is_dir() or str(out_path).endswith(("/", "\\")):
            target = out_path / name
        else:
            target = out_path.with_name(f"{out_path.name}.{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(str(target))
    out.print("wrote " + ", ".join(written))


def timeline(
    entity_id: Annotated[str, typer.Argument(help="A record id.")],
    network: Annotated[
        bool, typer.Option("--network", help="The events of everyone in its community.")
    ] = False,
    workdir: Workdir = None,
    store: StoreUrl = None,
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="Write the answer as JSON.")] = False,
    limit: Annotated[int, typer.Option(min=0, help="How many events to show here.")] = 200,
    purpose: Purpose = None,
) -> None:
    """The dated events of an entity: calls, payments, trips, sightings, crossings, reports,
    links first seen."""
    with store_session(workdir, store) as db:
        found = service.timeline(
            db, Caller.operator(purpose), entity_id, _day(as_of), community=network
        )
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
        return
    whose = f" and its community ({len(found['members'])})" if network else ""
    table = Table(title=f"Timeline of {found['id']}{whose}")
    for col in ("when", "what", "who", "with", "record", "detail"):
        table.add_column(col)
    for e in found["events"][:limit]:
        table.add_row(e["at"][:19], e["kind"], e["entity"], e["other"] or "", e["record_id"],
                      e["detail"])  # fmt: skip
    out.print(table)
    total = len(found["events"])
    shown = f" ({limit} shown)" if limit < total else ""
    out.print(f"{total:,} events{shown}" + (" (truncated)" if found["truncated"] else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
    app.command("timeline")(timeline)
