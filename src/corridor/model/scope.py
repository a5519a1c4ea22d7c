"""The read scope: the one filter every store read applies, built by `Authz`.

A user never sees a record above their clearance, in results, entity pages, exports or counts,
because every store query takes a scope and turns it into the same SQL predicate. It sits in
the model, below both the store that applies it and the access layer that builds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridor.model.classification import Classification


@dataclass(frozen=True, slots=True)
class ReadScope:
    """What a reader may see: records up to a classification (optionally of some agencies)."""

    max_classification: Classification = Classification.OFFICIAL
    agencies: frozenset[str] | None = None

    def predicate(self, alias: str = "") -> tuple[str, list[object]]:
        """SQL predicate and parameters restricting rows of a statements/observations table."""
        col = f"{alias}." if alias else ""
        sql = f"{col}classification <= ?"
        params: list[object] = [int(self.max_classification)]
        if self.agencies is not None:
            if not self.agencies:
                return "FALSE", []
            marks = ", ".join("?" for _ in self.agencies)
            sql += f" AND {col}agency IN ({marks})"
            params.extend(sorted(self.agencies))
        return sql, params

    def allows(self, classification: int, agency: str | None) -> bool:
        """The same rule as `predicate`, for data held in memory (the screening index)."""
        if classification > self.max_classification:
            return False
        return self.agencies is None or agency in self.agencies


#: The scope of the system itself (ingest, demo summaries run by an operator).
SYSTEM_SCOPE = ReadScope(Classification.TOP_SECRET)
