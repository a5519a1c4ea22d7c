"""Network scale: a million people and ten million links, through Corridor's own analyses.

A degree-corrected planted-partition graph is generated with NumPy: heavy-tailed degree
propensities (Pareto), communities of heavy-tailed sizes, 80 % of links drawn inside a
community, each link with a weight and a first and last contact (over two years). From it:

- built: `corridor.network.analysis.Graph.from_arrays` and everything the queries run on (the
  igraph graph, the CSR adjacency, the per-person time-ordered contacts);
- Leiden (`analysis.communities`) and PageRank (`analysis.pagerank`), each timed, with the
  communities' NMI against the planted ones;
- queries between random pairs of people, and between pairs drawn from one planted community
  (what an analyst asks about): `shortest_path`, `time_respecting_path` within a window, and
  `expand` (2 hops, capped at 500 as the product does), p50/p95/p99 each;
- peak memory (ru_maxrss) after each step, and the load average.

Beside it, in the same run, the peer a user would otherwise pick: networkx, for PageRank and
shortest paths (its default Dijkstra, and its two-sided one), on a smaller graph from the
same generator (networkx holds a graph as dicts of
dicts: ten million links would take tens of GB and minutes per PageRank), with Corridor on
that same graph for the ratios.

Run: `.venv/bin/python bench/network_scale.py --nodes 1000000 --edges 10000000 --seed 1`
(`--nodes 20000 --edges 200000` for a quick run).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result
from corridor.network import analysis

#: 2024-01-01T00:00Z, the start of the two years the contacts fall in.
START = 1_704_067_200
YEARS2 = 2 * 365 * 86_400


def generate(
    n: int, m: int, seed: int, inside: float = 0.8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`m` distinct pairs over `n` people (degree-corrected planted partition), their weights
    and first and last contacts (seconds since the epoch), and each person's community."""
    rng = np.random.default_rng(seed)
    theta = np.minimum(rng.pareto(1.5, n) + 1.0, np.sqrt(n))
    sizes = np.minimum((rng.pareto(1.2, max(n // 50, 1)) + 1) * 20, 5000).astype(np.int64)
    sizes = sizes[np.cumsum(sizes) <= n]
    if sizes.sum() < n:
        sizes = np.append(sizes, n - sizes.sum())
    community = np.repeat(np.arange(len(sizes)), sizes)[rng.permutation(n)]
    order = np.argsort(community, kind="stable")
    cum = np.cumsum(theta[order])
    cum0 = np.concatenate([[0.0], cum])
    starts = np.searchsorted(community[order], np.arange(len(sizes)))
    ends = np.append(starts[1:], n)
    keys = np.zeros(0, dtype=np.int64)
    while len(keys) < m:
        k = int((m - len(keys)) * 1.5) + 1024
        u = order[np.minimum(np.searchsorted(cum, rng.random(k) * cum[-1]), n - 1)]
        c = community[u]
        lo, hi = cum0[starts[c]], cum0[ends[c]]
        near = order[np.minimum(np.searchsorted(cum, lo + rng.random(k) * (hi - lo)), n - 1)]
        far = order[np.minimum(np.searchsorted(cum, rng.random(k) * cum[-1]), n - 1)]
        v = np.where(rng.random(k) < inside, near, far)
        a, b = np.minimum(u, v), np.maximum(u, v)
        keep = a != b
        keys = np.unique(np.concatenate([keys, a[keep] * n + b[keep]]))
    keys = np.sort(keys[rng.permutation(len(keys))[:m]])
    a, b = keys // n, keys % n
    weight = 0.01 + 0.99 * rng.beta(2.0, 3.0, m)
    first = START + rng.integers(0, YEARS2, m)
    last = np.minimum(first + rng.exponential(60 * 86_400, m).astype(np.int64), START + YEARS2)
    return a, b, weight, first, last, community


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {"p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "p99_ms": round(q[98], 2),
            "max_ms": round(ms[-1], 2)}  # fmt: skip


def pairs(
    rng: np.random.Generator, community: np.ndarray, count: int, same: bool
) -> list[tuple[int, int]]:
    """Random pairs of people, or pairs from one planted community (of at least two)."""
    n = len(community)
    out: list[tuple[int, int]] = []
    members: dict[int, np.ndarray] = {}
    while len(out) < count:
        x = int(rng.integers(n))
        if not same:
            y = int(rng.integers(n))
        else:
            c = int(community[x])
            if c not in members:
                members[c] = np.flatnonzero(community == c)
            if len(members[c]) < 2:
                continue
            y = int(rng.choice(members[c]))
        if x != y:
            out.append((x, y))
    return out


def queries(g: analysis.Graph, chosen: list[tuple[int, int]], window: timedelta) -> dict[str, Any]:
    ids = g.ids
    short, temporal, around = [], [], []
    found_short = found_temporal = truncated = 0
    hops, links, sizes = [], [], []
    for x, y in chosen:
        path, s = timed(lambda x=x, y=y: analysis.shortest_path(g, ids[x], ids[y]))
        short.append(s)
        if path is not None:
            found_short += 1
            hops.append(len(path.nodes) - 1)
        steps, s = timed(lambda x=x, y=y: analysis.time_respecting_path(g, ids[x], ids[y], window))
        temporal.append(s)
        found_temporal += steps is not None
        sub, s = timed(lambda x=x: analysis.expand(g, ids[x], 2))
        around.append(s)
        truncated += sub.truncated
        sizes.append(len(sub.nodes))
        links.append(len(sub.links))
    count = len(chosen)
    return {
        "pairs": count,
        "shortest_path": {**percentiles(short), "found": found_short,
                          "mean_links": round(statistics.fmean(hops), 2) if hops else None},
        "time_respecting_path": {**percentiles(temporal), "found": found_temporal,
                                 "window_days": window.days},
        "expand_2_hops": {**percentiles(around), "truncated_at_500": truncated,
                          "mean_nodes": round(statistics.fmean(sizes), 1),
                          "mean_links": round(statistics.fmean(links), 1)},
    }  # fmt: skip


def build(n: int, arrays: tuple[np.ndarray, ...]) -> tuple[analysis.Graph, dict[str, float]]:
    """The structure Corridor's analyses run on, with each part forced and timed."""
    a, b, weight, first, last, _ = arrays
    ids = [f"p{i:08d}" for i in range(n)]  # zero-padded: id order is index order
    seconds: dict[str, float] = {}
    g, seconds["graph"] = timed(lambda: analysis.Graph.from_arrays(ids, a, b, weight, first, last))
    for part in ("graph", "adjacency", "lengths", "contacts", "index"):
        _, seconds[f"{part}_structure"] = timed(lambda part=part: getattr(g, part))
    seconds["built"] = sum(seconds.values())
    return g, {k: round(v, 2) for k, v in seconds.items()}


def peer(n: int, m: int, seed: int, count: int) -> dict[str, Any]:
    """networkx against Corridor on one smaller graph: PageRank and shortest paths."""
    arrays = generate(n, m, seed)
    a, b, weight, *_ = arrays
    g, built = build(n, arrays)
    _, corridor_pagerank = timed(lambda: analysis.pagerank(g))
    rng = np.random.default_rng(seed + 1)
    chosen = pairs(rng, arrays[5], count, same=False)
    corridor_paths = [timed(lambda x=x, y=y: analysis.shortest_path(g, g.ids[x], g.ids[y]))
                      for x, y in chosen]  # fmt: skip

    def nx_graph() -> nx.Graph:
        h = nx.Graph()
        h.add_nodes_from(range(n))
        h.add_weighted_edges_from(zip(a.tolist(), b.tolist(), (1.0 / weight).tolist(),
                                      strict=True), weight="distance")  # fmt: skip
        nx.set_edge_attributes(h, dict(zip(zip(a.tolist(), b.tolist(), strict=True),
                                           weight.tolist(), strict=True)), "weight")  # fmt: skip
        return h

    h, nx_built = timed(nx_graph)
    _, nx_pagerank = timed(lambda: nx.pagerank(h, alpha=0.85, weight="weight"))
    nx_paths, nx_both = [], []
    agree = 0
    for (x, y), (ours, _) in zip(chosen, corridor_paths, strict=True):
        try:
            length, s = timed(lambda x=x, y=y: nx.dijkstra_path_length(h, x, y, weight="distance"))
            _, both = timed(lambda x=x, y=y: nx.bidirectional_dijkstra(h, x, y, weight="distance"))
        except nx.NetworkXNoPath:
            length, s, both = None, 0.0, 0.0
        nx_paths.append(s)
        nx_both.append(both)
        mine = None if ours is None else sum(1.0 / k.weight for k in ours.links)
        agree += (mine is None and length is None) or (
            mine is not None and length is not None and abs(mine - length) < 1e-6 * length
        )
    ours_p = percentiles([s for _, s in corridor_paths])
    theirs_p, both_p = percentiles(nx_paths), percentiles(nx_both)
    return {
        "nodes": n, "edges": m,
        "corridor": {"built_seconds": built["built"], "pagerank_seconds": round(corridor_pagerank, 2),
                     "shortest_path": ours_p},
        "networkx": {"built_seconds": round(nx_built, 2), "pagerank_seconds": round(nx_pagerank, 2),
                     "shortest_path": theirs_p, "bidirectional_dijkstra": both_p},
        "path_lengths_agree": f"{agree}/{len(chosen)}",
        "ratios_networkx_over_corridor": {
            "built": round(nx_built / built["built"], 2),
            "pagerank": round(nx_pagerank / corridor_pagerank, 2),
            "shortest_path_p50": round(theirs_p["p50_ms"] / ours_p["p50_ms"], 2),
            "shortest_path_p95": round(theirs_p["p95_ms"] / ours_p["p95_ms"], 2),
            "bidirectional_p50": round(both_p["p50_ms"] / ours_p["p50_ms"], 2),
            "bidirectional_p95": round(both_p["p95_ms"] / ours_p["p95_ms"], 2),
        },
    }  # fmt: skip


def at_scale(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, build, analyse and query the full graph (freed on return, before the peer)."""
    n, m = args.nodes, args.edges
    result: dict[str, Any] = {"nodes": n, "edges": m, "seed": args.seed, "cores": os.cpu_count(),
                              "load_before": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    arrays, generated = timed(lambda: generate(n, m, args.seed))
    degree = np.bincount(arrays[0], minlength=n) + np.bincount(arrays[1], minlength=n)
    result["generated"] = {
        "seconds": round(generated, 1), "communities": len(np.unique(arrays[5])),
        "degree_median": float(np.median(degree)), "degree_p99": float(np.percentile(degree, 99)),
        "degree_max": int(degree.max()), "rss_mb": round(rss_mb()),
    }  # fmt: skip
    print(f"generated {n:,} people, {m:,} pairs in {generated:.0f} s: {result['generated']}")
    g, built = build(n, arrays)
    result["built"] = {**built, "rss_mb": round(rss_mb())}
    print(f"built in {built['built']:.1f} s: {built}; peak RSS {rss_mb():,.0f} MB")
    groups, leiden = timed(lambda: analysis.communities(g, seed=args.seed))
    found = [groups[i] for i in g.ids]
    result["leiden"] = {
        "seconds": round(leiden, 1), "communities": len(set(found)),
        "nmi_vs_planted": round(ig.compare_communities(found, arrays[5].tolist(), method="nmi"), 4),
        "rss_mb": round(rss_mb()),
    }  # fmt: skip
    print(f"Leiden in {leiden:.1f} s: {result['leiden']}")
    del groups, found
    _, rank = timed(lambda: analysis.pagerank(g))
    result["pagerank"] = {"seconds": round(rank, 1), "rss_mb": round(rss_mb())}
    result["built_leiden_pagerank_seconds"] = round(built["built"] + leiden + rank, 1)
    print(f"PageRank in {rank:.1f} s; built + Leiden + PageRank "
          f"{result['built_leiden_pagerank_seconds']} s (target ≤ 120 s)")  # fmt: skip
    window = timedelta(days=args.window_days)
    rng = np.random.default_rng(args.seed + 7)
    for label, same in (("random_pairs", False), ("same_community_pairs", True)):
        chosen = pairs(rng, arrays[5], args.queries, same)
        result[label] = queries(g, chosen, window)
        print(f"{label}: {result[label]}")
    result["peak_rss_mb"] = round(rss_mb())
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--edges", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--window-days", type=int, default=30)
    parser.add_argument("--peer-nodes", type=int, default=100_000)
    parser.add_argument("--peer-edges", type=int, default=1_000_000)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    result = at_scale(args)
    if not args.no_peer:
        result["peer"] = peer(args.peer_nodes, args.peer_edges, args.seed, min(args.queries, 100))
        print(f"peer: {result['peer']}")
    path = write_result("network_scale", result)
    print(f"peak RSS {result['peak_rss_mb']:,} MB; results: {path}")


if __name__ == "__main__":
    main()
