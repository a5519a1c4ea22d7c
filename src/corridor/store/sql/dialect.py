"""The differences between SQL databases that the shared store code must know: column types,
how a list of values is passed, and how the tables are created.

Everything else is written once, in the SQL both DuckDB and PostgreSQL speak, with `?`
placeholders (a backend's session translates them if its driver wants another style).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corridor.store.tables import TABLES, Column, Table


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    #: Model type names (`VARCHAR`, `DOUBLE`, …) that this database spells differently.
    types: dict[str, str] = field(default_factory=dict)
    #: SQL testing `{column}` against a list passed as one parameter.
    in_list_sql: str = "{column} = ANY(?)"
    #: Whether a bulk table's key is declared (see `Table.bulk`).
    bulk_keys: bool = True
    #: Indexes this backend adds for its own access paths: (table, columns, method), the method
    #: empty for the default.
    extra_indexes: tuple[tuple[str, tuple[str, ...], str], ...] = ()

    def in_list(self, column: str) -> str:
        """`column` is one of the values of a list given as one `?` parameter."""
        return self.in_list_sql.format(column=column)

    def column_type(self, model_type: str) -> str:
        return self.types.get(model_type, model_type)

    def create_table(self, table: Table, temporary: bool = False, nullable: bool = False) -> str:
        """`CREATE TABLE` for a table (names quoted: some, like the audit log's `at`, are
        keywords); a `nullable` copy drops NOT NULL and keys, for staging rows."""
        cols = [
            f'"{c.name}" {self.column_type(c.type)}'
            + (" NOT NULL" if c.not_null and not nullable else "")
            for c in table.columns
        ]
        if not nullable:
            if table.key is not None and (self.bulk_keys or not table.bulk):
                cols.append(f"PRIMARY KEY ({_names(table.key)})")
            cols.extend(f"UNIQUE ({_names(u)})" for u in table.unique)
        body = ",\n  ".join(cols)
        kind = "TEMPORARY TABLE" if temporary else "TABLE"
        return f"CREATE {kind} IF NOT EXISTS {table.name} (\n  {body}\n)"

    def ddl(self) -> list[str]:
        """Every statement creating an empty store (each idempotent)."""
        out = [self.create_table(t) for t in TABLES]
        indexes = [(t.name, cols, "") for t in TABLES for cols in t.indexes]
        for name, cols, method in [*indexes, *self.extra_indexes]:
            using = f" USING {method}" if method else ""
            out.append(
                f"CREATE INDEX IF NOT EXISTS {name}_{'_'.join(cols)} ON {name}{using} "
                f"({_names(cols)})"
            )
        return out

    def added_columns(self) -> list[tuple[Table, Column]]:
        """The columns added to tables after stores were first made with them, to add to a
        store made before (`add_column`) where it lacks them."""
        return [(t, c) for t in TABLES for c in t.columns if c.name in t.added]

    def add_column(self, table: Table, column: Column) -> str:
        return (
            f'ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS "{column.name}" '
            f"{self.column_type(column.type)}"
        )


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)
