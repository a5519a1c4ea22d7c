"""The demo end to end on a small world: both agencies ingested, every step shows a result,
and running it again changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from corridor.demo import run_demo


def test_demo_builds_ingests_and_exercises_everything(tmp_path: Path) -> None:
    out = io.StringIO()
    summary = run_demo(tmp_path, seed=3, scale=0.05, console=Console(file=out, width=200))
    counts = summary["counts"]
    assert isinstance(counts, dict) and set(counts) == {"GB-NCA", "RS-MUP"}
    for entities, statements, observations in counts.values():
        assert entities > 0 and statements > entities and observations > 0
    search = summary["search"]
    assert isinstance(search, dict) and search["found"] == search["expected"]
    assert summary["frontex_total"] == 21_525
    exported = summary["exported"]
    assert isinstance(exported, int)
    assert max(c[0] for c in counts.values()) <= exported <= sum(c[0] for c in counts.values())
    for kind in ("Person", "Vehicle"):
        resolved = summary[f"resolved_{kind}"]
        assert isinstance(resolved, dict)
        assert 0 < resolved["entities"] < resolved["records"] and resolved["both"] > 0
    text = out.getvalue()
    assert "Per agency" in text and "GB-NCA" in text and "RS-MUP" in text

    again = run_demo(tmp_path, seed=3, scale=0.05, console=Console(file=io.StringIO()))
    assert again["counts"] == counts
    assert (tmp_path / "demo-keys.json").stat().st_mode & 0o077 == 0
