"""The files of an ingest as a table, a row added as each file commits (what `corridor ingest`
and the demo print)."""

from __future__ import annotations

from rich.table import Table

from corridor.ingest.service import IngestReport


class IngestTable:
    def __init__(self, title: str | None = None, seconds: bool = True) -> None:
        self.seconds = seconds
        self.table = Table(title=title)
        self.conflicts: list[IngestReport] = []
        columns = ["file", "kind", "rows", "statements added", "observations added"]
        for col in columns + (["seconds"] if seconds else []):
            self.table.add_column(col, justify="left" if col in ("file", "kind") else "right")

    def add(self, r: IngestReport) -> None:
        """One file's row (an `on_file` callback of `ingest_path`)."""
        row = [r.file, r.kind, f"{r.rows_read:,}", f"{r.statements_added:,}",
               f"{r.observations_added:,}"]  # fmt: skip
        self.table.add_row(*row, *([f"{r.seconds:.2f}"] if self.seconds else []))
        if r.conflicts:
            self.conflicts.append(r)

    def warnings(self) -> list[str]:
        """What the table cannot show: readings whose source id was already held."""
        return [
            f"{r.file}: {r.conflicts:,} readings reuse a source id already held with other "
            f"content (kept beside it): {', '.join(r.conflict_examples[:5])}"
            + (", …" if r.conflicts > 5 else "")
            for r in self.conflicts
        ]

    @property
    def rows(self) -> int:
        return self.table.row_count
