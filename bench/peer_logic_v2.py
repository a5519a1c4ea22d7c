"""The peer side of bench/screening.py: nomenklatura's logic-v2 scores the same candidates.

Runs in its own virtual environment (`.venv-peer`, made by `make bench`), because nomenklatura
pins DuckDB 1.x while Corridor uses 2.x. Reads JSON lines of `{"case", "query", "candidates"}`
and writes `{"case", "scores": {candidate id: score}}`, then one line of timing.

Run: `.venv-peer/bin/python bench/peer_logic_v2.py IN.jsonl OUT.jsonl`.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from followthemoney import model
from nomenklatura.matching import get_algorithm


def proxy(data: dict[str, Any]) -> Any:
    return model.get_proxy(
        {"id": data["id"], "schema": data["schema"], "properties": data["properties"]},
        cleaned=False,
    )


def main(src: str, dst: str) -> None:
    algorithm = get_algorithm("logic-v2")
    if algorithm is None:
        raise SystemExit("nomenklatura has no logic-v2 matcher")
    config = algorithm.default_config()
    with open(src, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f]
    prepared = [(c["case"], proxy(c["query"]), [proxy(x) for x in c["candidates"]]) for c in cases]
    pairs = 0
    started = time.perf_counter()
    out = []
    for case, query, candidates in prepared:
        scores = {}
        for candidate in candidates:
            scores[candidate.id] = algorithm.compare(query, candidate, config).score
            pairs += 1
        out.append({"case": case, "scores": scores})
    seconds = time.perf_counter() - started
    with open(dst, "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row) + "\n")
    print(json.dumps({"seconds": seconds, "pairs": pairs, "queries": len(prepared)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
