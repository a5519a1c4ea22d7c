"""Network benchmark: groups recovered and organisers ranked, on the scenario against its truth.

For each seed the Western Balkans scenario is generated, ingested and resolved (people,
organisations, vehicles and accounts), and the network is built as the operator sees it.

- Network recovery: Leiden communities on the resolved people's network, scored against
  `truth/networks.csv` by the adjusted Rand index and NMI (igraph's `compare_communities`), over
  the person records of network members (a hawala banker who settles for two networks belongs
  to either, and is left out of these two scores).
- Disruption: the share of the networks' organisers among the top 10 of the ranking
  (`ranking.rank`: the structural impact times the inferred role's weight).
- Roles (`corridor.network.roles`): per role, the share of its members' person records given
  that role (accuracy, i.e. recall), precision and F1, and the macro-F1 over the seven roles;
  a hawala banker counts as a money handler. Every person record counts: one outside the
  networks given a role is a false positive of that role. Three ways, so that a reader sees
  where the figure comes from: behaviour only, stated roles only (memberships' roles,
  associates' relationships, weighed by their grading), and both combined (what Corridor
  gives).

- Burner churn (`corridor.network.burners`): the phone successions found in the calls, scored
  against `truth/phones.csv`. A proposed old → new pair is right when one person held both, the
  new after the old. Recall is over the true successions the calls could show: consecutive
  numbers of one holder among the numbers the calls contain. Scored at the defaults and, beside
  them, at a looser setting (one shared contact, a gap up to 60 days).

Beside it, in the same run, the baseline: Louvain (igraph's multilevel) on the graph of the
records as written (no resolution; the same links and weights), a ranking by degree on it, and
roles by degree: the best-linked suspect of each Louvain community its organiser, every other
suspect a driver (the commonest role).

Run: `.venv/bin/python bench/network.py [--scale 1] [--seeds 1 2 3 4 5]`.
Held-out check of the burner rules: `--seeds 7`; of the roles and the ranking: `--seeds 7 11`
(kept out of every design choice).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import igraph as ig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result
from corridor.access.caller import Caller
from corridor.ingest.service import ingest_path
from corridor.model.scope import SYSTEM_SCOPE
from corridor.network import analysis, burners, ranking
from corridor.network.build import build_network
from corridor.network.graph import Network
from corridor.network.roles import (
    BEHAVIOUR,
    DRIVER,
    ORGANISER,
    ROLES,
    STATED,
    UNKNOWN,
    infer_roles,
)
from corridor.resolve import service
from corridor.resolve.records import RESOLVABLE
from corridor.scenario import build_scenario
from corridor.store.duckdb import DuckDBStore

TOP = 10
#: The scenario's roles as Corridor names them (a hawala banker handles money).
TRUE_ROLE = {
    "organiser": "organiser", "recruiter": "recruiter", "driver": "driver",
    "safe_house_keeper": "safe-house keeper", "money_handler": "money handler",
    "hawala_banker": "money handler", "document_forger": "forger", "spotter": "spotter",
}  # fmt: skip


def truth(
    bundle: Path,
) -> tuple[dict[str, str], dict[str, list[str]], set[str], dict[str, str]]:
    """Record → true person; true person → networks; the organisers; true person → role."""
    with (bundle / "truth" / "identities.csv").open(encoding="utf-8") as f:
        identities = {r["record_id"]: r["true_id"] for r in csv.DictReader(f)}
    networks: dict[str, list[str]] = defaultdict(list)
    organisers = set()
    roles: dict[str, str] = {}
    with (bundle / "truth" / "networks.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            networks[r["true_id"]].append(r["network_id"])
            roles[r["true_id"]] = TRUE_ROLE[r["role"]]
            if r["role"] == "organiser":
                organisers.add(r["true_id"])
    return identities, networks, organisers, roles


def role_scores(
    predicted: dict[str, str], identities: dict[str, str], roles: dict[str, str]
) -> dict[str, Any]:
    """Per role: accuracy (recall over its members' records), precision, F1; and macro-F1."""
    pairs = [(roles.get(identities.get(r, ""), UNKNOWN), p) for r, p in sorted(predicted.items())]
    per_role = {}
    for role in ROLES:
        tp = sum(1 for t, p in pairs if t == role and p == role)
        held = sum(1 for t, _ in pairs if t == role)
        given = sum(1 for _, p in pairs if p == role)
        recall = tp / held if held else 0.0
        precision = tp / given if given else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_role[role] = {"records": held, "given": given, "accuracy": round(recall, 4),
                          "precision": round(precision, 4), "f1": round(f1, 4)}  # fmt: skip
    members = [(t, p) for t, p in pairs if t != UNKNOWN]
    return {
        "per_role": per_role,
        "macro_f1": round(statistics.fmean(r["f1"] for r in per_role.values()), 4),
        "member_accuracy": round(sum(t == p for t, p in members) / len(members), 4),
        "outsiders_given_a_role": sum(1 for t, p in pairs if t == UNKNOWN and p != UNKNOWN),
    }


def degree_roles(network: Network, groups: dict[str, int]) -> dict[str, str]:
    """The baseline: each community's best-linked suspect organiser, other suspects drivers."""
    adjacency = network.adjacency()
    degree = {n: len({k.other(n) for k in adjacency.get(n, [])}) for n in network.nodes}
    suspects = {n for n, node in network.nodes.items() if "suspect" in node.categories}
    top: dict[int, str] = {}
    for n in sorted(suspects, key=lambda n: (-degree[n], n)):
        top.setdefault(groups[n], n)
    chosen = set(top.values())
    return {
        r: ORGANISER if n in chosen else DRIVER if n in suspects else UNKNOWN
        for n, node in network.nodes.items()
        for r in node.record_ids
    }


def recovery(
    found: dict[str, int], identities: dict[str, str], networks: dict[str, list[str]]
) -> dict[str, Any]:
    """ARI and NMI over the person records of members of exactly one network."""
    predicted, expected = [], []
    for record_id, community in sorted(found.items()):
        true = networks.get(identities.get(record_id, ""), [])
        if len(true) == 1:
            predicted.append(community)
            expected.append(true[0])
    labels = {n: i for i, n in enumerate(sorted(set(expected)))}
    truth_ids = [labels[n] for n in expected]
    return {
        "records": len(predicted),
        "ari": round(ig.compare_communities(predicted, truth_ids, method="ari"), 4),
        "nmi": round(ig.compare_communities(predicted, truth_ids, method="nmi"), 4),
    }


def organisers_on_top(
    ranked: list[list[str]], identities: dict[str, str], organisers: set[str]
) -> dict[str, Any]:
    """How many organisers have a record among the top `TOP` rows (each row: its record ids)."""
    top = {identities.get(r) for row in ranked[:TOP] for r in row}
    hit = len(organisers & top)
    return {"organisers": len(organisers), "in_top": hit, "share": round(hit / len(organisers), 4)}


#: The looser setting scored beside the defaults: (min shared contacts, min overlap, max gap).
LOOSE = (1, 0.5, 60.0)


def phone_truth(bundle: Path) -> dict[str, tuple[str, str, str]]:
    """Number → (holder, active from, active to)."""
    with (bundle / "truth" / "phones.csv").open(encoding="utf-8") as f:
        return {r["phone"]: (r["holder"], r["active_from"], r["active_to"])
                for r in csv.DictReader(f)}  # fmt: skip


def succession_scores(
    found: list[burners.Succession], seen: set[str], phones: dict[str, tuple[str, str, str]]
) -> dict[str, Any]:
    """Precision of the proposed successions, recall over the ones the calls could show."""
    lines: dict[str, list[str]] = defaultdict(list)
    for number in sorted(seen):
        if number in phones:
            lines[phones[number][0]].append(number)
    possible: set[tuple[str, str]] = set()
    for numbers in lines.values():
        numbers.sort(key=lambda n: phones[n][1])
        possible.update(pairwise(numbers))
    right = [s for s in found if s.old_phone in phones and s.new_phone in phones
             and phones[s.old_phone][0] == phones[s.new_phone][0]
             and phones[s.new_phone][1] > phones[s.old_phone][2]]  # fmt: skip
    hit = sum(1 for s in found if (s.old_phone, s.new_phone) in possible)
    precision = len(right) / len(found) if found else 0.0
    recall = hit / len(possible) if possible else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"proposed": len(found), "right": len(right), "possible": len(possible),
            "found": hit, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4)}  # fmt: skip


def burner_scores(store: DuckDBStore, bundle: Path) -> dict[str, Any]:
    """Successions at the defaults (as the network uses them) and at the looser setting."""
    phones = phone_truth(bundle)
    seen: dict[str, Any] = {}
    original = burners.successions

    def keep(uses: Any, users: Any = None, *args: Any, **kwargs: Any) -> Any:
        seen.update(uses=uses, users=users)
        return original(uses, users, *args, **kwargs)

    burners.successions = keep  # type: ignore[assignment]
    try:
        whole = build_network(store, SYSTEM_SCOPE)
    finally:
        burners.successions = original  # type: ignore[assignment]
    numbers = set(seen["uses"])
    loose = original(seen["uses"], seen["users"], *LOOSE)
    return {
        "numbers_in_calls": len(numbers),
        "defaults": succession_scores(whole.successions, numbers, phones),
        "loose": succession_scores(loose, numbers, phones),
    }


def per_record(network: Network, groups: dict[str, int]) -> dict[str, int]:
    return {r: groups[n.id] for n in network.nodes.values() for r in n.record_ids}


def louvain(network: Network, seed: int) -> dict[str, int]:
    g = analysis.Graph.of(network)
    random.seed(seed)  # igraph draws from Python's generator
    parts = g.graph.community_multilevel(weights="weight" if g.graph.ecount() else None)
    return {g.ids[v]: c for v, c in enumerate(parts.membership)}


def one_seed(scale: float, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "world"
        build_scenario(bundle, seed=seed, scale=scale)
        identities, networks, organisers, roles = truth(bundle)
        store = DuckDBStore(None)
        operator = Caller.operator()
        ingest_path(store, operator, bundle, show_progress=False)
        started = time.perf_counter()
        for kind in RESOLVABLE:
            service.resolve_all(store, operator, kind)
        resolve_seconds = time.perf_counter() - started
        burner = burner_scores(store, bundle)

    started = time.perf_counter()
    whole = build_network(store, SYSTEM_SCOPE)
    people = whole.people()
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    groups = analysis.communities(people)
    ranked = ranking.rank(people)
    analysis_seconds = time.perf_counter() - started
    started = time.perf_counter()
    guessed = infer_roles(whole, people, groups)
    roles_seconds = time.perf_counter() - started
    role_of = {r: g.role for g in guessed.values() for r in g.record_ids}
    alone = {}
    for name, kind in (("behaviour", BEHAVIOUR), ("stated", STATED)):
        only = infer_roles(whole, people, groups, frozenset({kind}))
        alone[name] = role_scores(
            {r: g.role for g in only.values() for r in g.record_ids}, identities, roles
        )
    corridor = {
        "people": len(people.nodes),
        "links": len(people.links),
        "communities": len(set(groups.values())),
        **recovery(per_record(people, groups), identities, networks),
        "disruption": organisers_on_top([r.record_ids for r in ranked], identities, organisers),
        "roles": role_scores(role_of, identities, roles),
        "roles_behaviour_only": alone["behaviour"],
        "roles_stated_only": alone["stated"],
        "build_seconds": round(build_seconds, 2),
        "analysis_seconds": round(analysis_seconds, 2),
        "roles_seconds": round(roles_seconds, 2),
    }

    raw = build_network(store, SYSTEM_SCOPE, resolved=False).people()
    base_groups = louvain(raw, seed)
    degree = raw.adjacency()
    order = sorted(raw.nodes, key=lambda n: (-len({k.other(n) for k in degree.get(n, [])}), n))
    baseline = {
        "records": len(raw.nodes),
        "communities": len(set(base_groups.values())),
        **recovery(per_record(raw, base_groups), identities, networks),
        "disruption": organisers_on_top(
            [raw.nodes[n].record_ids for n in order], identities, organisers
        ),
        "roles": role_scores(degree_roles(raw, base_groups), identities, roles),
    }
    store.close()
    return {
        "networks": len({n for ns in networks.values() for n in ns}),
        "resolve_seconds": round(resolve_seconds, 1),
        "corridor": corridor,
        "baseline": baseline,
        "burners": burner,
    }


def _pooled(runs: list[dict[str, Any]], role: str, metric: str) -> float:
    """A role's metric, the mean over seeds."""
    return round(statistics.fmean(r["roles"]["per_role"][role][metric] for r in runs), 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args()
    results: dict[str, Any] = {"scale": args.scale, "seeds": {}}
    for seed in args.seeds:
        r = one_seed(args.scale, seed)
        results["seeds"][seed] = r
        c, b = r["corridor"], r["baseline"]
        print(f"seed {seed}: {r['networks']} networks, {c['people']} people, {c['links']} links "
              f"(resolution {r['resolve_seconds']:.0f} s, build {c['build_seconds']:.2f} s, "
              f"analyses {c['analysis_seconds']:.2f} s)\n"
              f"  corridor  ARI {c['ari']:.3f} NMI {c['nmi']:.3f} over {c['records']} records; "
              f"organisers in top {TOP}: {c['disruption']['in_top']}/{c['disruption']['organisers']}\n"
              f"  baseline  ARI {b['ari']:.3f} NMI {b['nmi']:.3f}; organisers in top {TOP} by "
              f"degree: {b['disruption']['in_top']}/{b['disruption']['organisers']}\n"
              f"  roles     macro-F1 {c['roles']['macro_f1']:.3f} (baseline "
              f"{b['roles']['macro_f1']:.3f}; behaviour only "
              f"{c['roles_behaviour_only']['macro_f1']:.3f}, stated only "
              f"{c['roles_stated_only']['macro_f1']:.3f}); accuracy by role: "
              + ", ".join(f"{k} {v['accuracy']:.2f}" for k, v in c["roles"]["per_role"].items()))  # fmt: skip
        for setting in ("defaults", "loose"):
            bs = r["burners"][setting]
            print(f"  burners   ({setting}) {bs['right']}/{bs['proposed']} right, "
                  f"{bs['found']}/{bs['possible']} found: P {bs['precision']:.3f} "
                  f"R {bs['recall']:.3f} F1 {bs['f1']:.3f}")  # fmt: skip
    summary = {}
    for label in ("corridor", "baseline"):
        runs = [r[label] for r in results["seeds"].values()]
        found = sum(r["disruption"]["in_top"] for r in runs)
        total = sum(r["disruption"]["organisers"] for r in runs)
        summary[label] = {
            "ari_mean": round(statistics.fmean(r["ari"] for r in runs), 4),
            "ari_min": min(r["ari"] for r in runs),
            "nmi_mean": round(statistics.fmean(r["nmi"] for r in runs), 4),
            "nmi_min": min(r["nmi"] for r in runs),
            "organisers_in_top": f"{found}/{total}",
            "organisers_in_top_share": round(found / total, 4),
            "roles_macro_f1_mean": round(statistics.fmean(r["roles"]["macro_f1"] for r in runs), 4),
            "roles_macro_f1_min": min(r["roles"]["macro_f1"] for r in runs),
            "roles_per_role": {
                role: {m: _pooled(runs, role, m) for m in ("accuracy", "precision", "f1")}
                for role in ROLES
            },
        }
        if label == "corridor":
            for kind in ("behaviour_only", "stated_only"):
                part = [{"roles": r[f"roles_{kind}"]} for r in runs]
                summary[label][f"roles_{kind}_macro_f1_mean"] = round(
                    statistics.fmean(r["roles"]["macro_f1"] for r in part), 4
                )
                summary[label][f"roles_{kind}_per_role"] = {
                    role: {m: _pooled(part, role, m) for m in ("accuracy", "precision", "f1")}
                    for role in ROLES
                }
        s = summary[label]
        print(f"{label:9} ARI mean {s['ari_mean']:.3f} (min {s['ari_min']:.3f}), NMI mean "
              f"{s['nmi_mean']:.3f} (min {s['nmi_min']:.3f}), organisers in top {TOP}: "
              f"{found}/{total} ({100 * s['organisers_in_top_share']:.0f} %); roles macro-F1 "
              f"mean {s['roles_macro_f1_mean']:.3f} (min {s['roles_macro_f1_min']:.3f})")  # fmt: skip
        kinds = [("combined", "roles_per_role")]
        if label == "corridor":
            kinds += [("behaviour", "roles_behaviour_only_per_role"),
                      ("stated", "roles_stated_only_per_role")]  # fmt: skip
            print(f"  roles macro-F1 mean: behaviour only "
                  f"{s['roles_behaviour_only_macro_f1_mean']:.3f}, stated only "
                  f"{s['roles_stated_only_macro_f1_mean']:.3f}, combined "
                  f"{s['roles_macro_f1_mean']:.3f}")  # fmt: skip
        for name, key in kinds:
            for role, m in s[key].items():
                print(f"  {name:9} {role:18} accuracy {m['accuracy']:.3f} precision "
                      f"{m['precision']:.3f} F1 {m['f1']:.3f}")  # fmt: skip
    for setting in ("defaults", "loose"):
        runs = [r["burners"][setting] for r in results["seeds"].values()]
        right, proposed = sum(b["right"] for b in runs), sum(b["proposed"] for b in runs)
        found, possible = sum(b["found"] for b in runs), sum(b["possible"] for b in runs)
        summary[f"burners_{setting}"] = {
            "right": right, "proposed": proposed, "found": found, "possible": possible,
            "precision": round(right / proposed, 4) if proposed else 0.0,
            "recall": round(found / possible, 4) if possible else 0.0,
        }  # fmt: skip
        s = summary[f"burners_{setting}"]
        print(f"burners ({setting}): {right}/{proposed} right (P {s['precision']:.3f}), "
              f"{found}/{possible} found (R {s['recall']:.3f})")  # fmt: skip
    results["summary"] = summary
    print(f"results: {write_result('network', results)}")


if __name__ == "__main__":
    main()
