"""Ground truth: what every record, observation and list entry really is, for scoring.

Entity resolution is scored on `identities.csv` (records of the same true entity, across agencies
and scripts), screening on `watchlist.csv`, network analysis on `networks.csv` and
`relations.csv`, targeting on `scans.csv`, co-travel on `anpr_runs.csv` and `runs.csv`, routes
on `crossings.csv`, `sightings.csv` and `detections.csv`, finance on `payments.csv`, cloned
plates on `clones.csv`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from corridor.normalise.plates import normalise_plate
from corridor.scenario.agencies import AgencyView
from corridor.scenario.records import World
from corridor.scenario.reports import ReportSet
from corridor.scenario.vehicles import Clone
from corridor.scenario.watchlist import Watchlist
from corridor.scenario.writer import write_rows


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _t(value: object) -> str:
    return "" if value is None else str(value)


def identities(
    views: Iterable[AgencyView], reports: Iterable[ReportSet], watchlist: Watchlist
) -> list[list[str]]:
    rows: set[tuple[str, str, str, str]] = set()
    for view in views:
        rows.update((rid, view.agency, schema, tid) for rid, schema, tid in view.identities)
    for rs in reports:
        rows.update((rid, rs.agency, schema, tid) for rid, schema, tid in rs.identities)
    for entry, kind, tid in watchlist.entries:
        rows.add((entry, "GB-NCA", "Person" if kind == "person" else "Vehicle", tid))
    return [list(r) for r in sorted(rows)]


def vehicles(
    world: World,
    views: Iterable[AgencyView],
    reports: Iterable[ReportSet],
    watchlist: Watchlist,
) -> list[list[str]]:
    """Every written form of every plate, with the vehicle it belongs to."""
    written: set[tuple[str, str]] = set()
    for v in world.vehicles.values():
        written.add((v.plate, v.id))
    for view in views:
        written.update(view.plates_written)
    for rs in reports:
        written.update(rs.plates_written)
    written.update(watchlist.plates_written)
    rows = []
    for plate, vid in sorted(written, key=lambda pv: (pv[1], pv[0])):
        v = world.vehicles[vid]
        rows.append([plate, normalise_plate(plate), vid, v.country, v.kind, _t(v.network_id),
                     _b(v.smuggling)])  # fmt: skip
    for b in world.background:
        rows.append([b.plate, normalise_plate(b.plate), b.id, b.country, b.kind, "", "false"])
    return rows


CLONE_COLUMNS = ("plate", "plate_normalised", "original_id", "clone_id", "first_date",
                 "last_date")  # fmt: skip


def clones(found: Iterable[Clone]) -> list[list[str]]:
    """Each cloned plate: the vehicle it belongs to, the one that wore it too, and the first
    and last day either drove on it while both did."""
    return [[c.plate, normalise_plate(c.plate), c.original_id, c.clone_id,
             c.first.date().isoformat(), c.last.date().isoformat()] for c in found]  # fmt: skip


VEHICLE_COLUMNS = ("plate", "plate_normalised", "true_id", "country", "kind", "network_id",
                   "smuggling")  # fmt: skip


def write_world_truth(
    folder: Path,
    world: World,
    views: list[AgencyView],
    reports: list[ReportSet],
    watchlist: Watchlist,
) -> dict[str, int]:
    """Write every truth file except the streamed ones; returns rows per file."""
    counts: dict[str, int] = {}

    def put(name: str, columns: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
        counts[f"truth/{name}"] = write_rows(folder / name, list(columns),
                                             (list(r) for r in rows))  # fmt: skip

    put("identities.csv", ("record_id", "agency", "schema", "true_id"),
        identities(views, reports, watchlist))  # fmt: skip
    put(
        "networks.csv",
        ("true_id", "network_id", "role", "corridor"),
        sorted([pid, n.id, role, n.corridor] for n in world.networks for pid, role in n.members),
    )
    put("vehicles.csv", VEHICLE_COLUMNS, vehicles(world, views, reports, watchlist))
    put("phones.csv", ("phone", "holder", "active_from", "active_to"),
        sorted([ln.number, ln.holder, ln.active_from.isoformat(), ln.active_to.isoformat()]
               for ln in world.phones()))  # fmt: skip
    put("people.csv", ("true_id", "name", "culture", "gender", "birth_date", "nationality", "kind",
                       "network_id", "role", "group_id", "victim", "residence", "nickname"),
        ([p.id, p.name.canonical, p.name.culture, p.gender, p.birth_date.isoformat(),
          p.nationality, p.kind, _t(p.network_id), _t(p.role), _t(p.group_id), _b(p.victim),
          p.residence, _t(p.nickname)] for p in world.people.values()))  # fmt: skip
    put(
        "relations.csv",
        ("relation_id", "kind", "a", "b", "relationship"),
        ([r.id, r.kind, r.a, r.b, r.relationship] for r in world.relations),
    )
    put("accounts.csv", ("account_id", "iban", "holder", "currency", "opened"),
        ([a.id, a.iban, a.holder, a.currency, a.opened.isoformat()]
         for a in world.accounts.values()))  # fmt: skip
    put("payments.csv", ("payment_id", "date", "payer", "payee", "payer_account",
                         "payee_account", "amount", "currency", "method", "purpose",
                         "network_id", "structured"),
        ([p.id, p.on.isoformat(), p.payer, p.payee, _t(p.payer_account), _t(p.payee_account),
          f"{p.amount:.2f}", p.currency, p.method, p.purpose, _t(p.network_id),
          _b(p.structured)] for p in world.payments))  # fmt: skip
    put("calls.csv", ("call_id", "at", "caller", "receiver", "caller_number", "receiver_number",
                      "duration_s"),
        ([c.id, c.at.strftime("%Y-%m-%dT%H:%M:%SZ"), c.caller, c.receiver, c.caller_number,
          c.receiver_number, str(c.duration_s)] for c in world.calls))  # fmt: skip
    put("groups.csv", ("group_id", "network_id", "size", "nationalities", "victims", "named",
                       "start", "destination"),
        ([g.id, g.network_id, str(g.size),
          ";".join(f"{k}:{v}" for k, v in g.nationalities.items()), str(g.victims),
          ";".join(g.named), g.start.strftime("%Y-%m-%dT%H:%M:%SZ"), g.destination]
         for g in sorted(world.groups, key=lambda g: g.id)))  # fmt: skip
    put("crossings.csv", ("crossing_id", "group_id", "network_id", "crossing_point", "at",
                          "people", "mode", "vehicle_id", "driver_id", "failed_attempts"),
        ([c.id, c.group_id, c.network_id, c.point, c.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
          str(c.people), c.mode, _t(c.vehicle_id), _t(c.driver_id),
          ";".join(a.strftime("%Y-%m-%dT%H:%M:%SZ") for a in c.failed_attempts)]
         for c in world.crossings))  # fmt: skip
    put(
        "runs.csv",
        (
            "run_id",
            "vehicle_id",
            "driver_id",
            "road",
            "from_km",
            "to_km",
            "start",
            "speed_kmh",
            "group_id",
            "convoy_id",
            "laden",
        ),
        (
            [
                d.id,
                d.vehicle_id,
                _t(d.driver_id),
                d.road,
                f"{d.from_km:.1f}",
                f"{d.to_km:.1f}",
                d.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                f"{d.speed_kmh:.1f}",
                _t(d.group_id),
                _t(d.convoy_id),
                _b(d.laden),
            ]
            for d in sorted(world.drives, key=lambda d: d.id)
        ),
    )
    put("watchlist.csv", ("entry_id", "kind", "true_id"), (list(e) for e in watchlist.entries))
    return counts
