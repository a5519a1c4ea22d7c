"""Stores: the interface (`base`), the records crossing it (`records`), the tables (`tables`),
the SQL every SQL store shares (`sql`), and two backends: DuckDB in the work directory (the
default, `duckdb`) and PostgreSQL for a node many analysts use at once (`postgres`).
`location.open_store` opens the one a command or the server is given."""
