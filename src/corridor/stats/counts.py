"""The store's counts per agency, as a table for the console (`corridor stats counts` and the
demo print the same one)."""

from __future__ import annotations

from rich.table import Table

from corridor.store.records import AgencyCounts


def counts_table(counts: list[AgencyCounts]) -> Table:
    """Entities, statements and observations (by kind) per agency, as `stats counts` and the
    demo print them."""
    table = Table(title="Per agency")
    for col in ("agency", "entities", "statements", "observations", "of which"):
        table.add_column(col, justify="left" if col in ("agency", "of which") else "right")
    for c in counts:
        detail = ", ".join(f"{k} {v:,}" for k, v in sorted(c.observations.items()) if v)
        table.add_row(
            c.agency, f"{c.entities:,}", f"{c.statements:,}", f"{c.observations_total:,}", detail
        )
    return table
