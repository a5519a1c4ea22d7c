"""What sharing keeps in the store: agreements with partners (every version) and the
originator's consents to share particular items."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from corridor.share.agreement import Agreement, parse_agreement

SHARING_DDL = [
    """CREATE TABLE IF NOT EXISTS agreements (
  partner VARCHAR NOT NULL, version INTEGER NOT NULL, data VARCHAR NOT NULL,
  set_by VARCHAR NOT NULL, set_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS consents (
  partner VARCHAR NOT NULL, item_id VARCHAR NOT NULL, given_by VARCHAR NOT NULL,
  given_at TIMESTAMPTZ NOT NULL, note VARCHAR)""",
]


@dataclass(frozen=True, slots=True)
class Consent:
    """The originator's consent to share one item (an entity, a statement or an observation)
    with one partner."""

    partner: str
    item_id: str
    given_by: str
    given_at: datetime
    note: str | None = None


class SharingStore(ABC):
    @abstractmethod
    def save_agreement(self, agreement: Agreement, set_by: str, at: datetime) -> Agreement:
        """Record a new version of the agreement with its partner; returns it numbered."""

    @abstractmethod
    def agreement(self, partner: str) -> Agreement | None:
        """The agreement in force with a partner (its latest version)."""

    @abstractmethod
    def agreements(self) -> list[Agreement]: ...

    @abstractmethod
    def add_consent(self, consent: Consent) -> None: ...

    @abstractmethod
    def consents(self, partner: str | None = None) -> list[Consent]: ...


class DuckDBSharing(SharingStore):
    """The DuckDB implementation, mixed into `DuckDBStore`."""

    _write_lock: Any

    def _cursor(self) -> duckdb.DuckDBPyConnection:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def _fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        try:
            return cur.execute(sql, list(params)).fetchall()
        finally:
            cur.close()

    def save_agreement(self, agreement: Agreement, set_by: str, at: datetime) -> Agreement:
        with self._write_lock:
            cur = self._cursor()
            try:
                cur.begin()
                row = cur.execute(
                    "SELECT coalesce(max(version), 0) FROM agreements WHERE partner = ?",
                    [agreement.partner],
                ).fetchone()
                version = int(row[0] if row else 0) + 1
                data = {**agreement.to_dict(), "version": version}
                cur.execute(
                    "INSERT INTO agreements VALUES (?, ?, ?, ?, ?)",
                    [agreement.partner, version, json.dumps(data), set_by, at],
                )
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
            finally:
                cur.close()
        return parse_agreement(data, version)

    def agreement(self, partner: str) -> Agreement | None:
        rows = self._fetch(
            "SELECT data, version FROM agreements WHERE partner = ? ORDER BY version DESC LIMIT 1",
            [partner],
        )
        return parse_agreement(json.loads(rows[0][0]), rows[0][1]) if rows else None

    def agreements(self) -> list[Agreement]:
        rows = self._fetch(
            "SELECT data, version FROM agreements a WHERE version = "
            "(SELECT max(version) FROM agreements b WHERE b.partner = a.partner) ORDER BY partner"
        )
        return [parse_agreement(json.loads(d), v) for d, v in rows]

    def add_consent(self, consent: Consent) -> None:
        c = consent
        with self._write_lock:
            cur = self._cursor()
            try:
                cur.execute(
                    "INSERT INTO consents VALUES (?, ?, ?, ?, ?)",
                    [c.partner, c.item_id, c.given_by, c.given_at, c.note],
                )
            finally:
                cur.close()

    def consents(self, partner: str | None = None) -> list[Consent]:
        where, params = ("WHERE partner = ?", [partner]) if partner else ("", [])
        rows = self._fetch(f"SELECT * FROM consents {where} ORDER BY given_at, item_id", params)
        return [Consent(*r) for r in rows]
