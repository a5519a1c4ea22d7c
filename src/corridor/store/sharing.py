"""What sharing keeps in the store: agreements with partners (every version), the originator's
consents, pinned partners, the ledger of what went to whom (for corrections and recall), the
packages received (for replay refusal and provenance) and requests for information."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from corridor.model.agreement import Agreement, parse_agreement
from corridor.model.scope import ReadScope
from corridor.store.duckdb_base import DuckDBBase

SHARING_DDL = [
    """CREATE TABLE IF NOT EXISTS agreements (
  partner VARCHAR NOT NULL, version INTEGER NOT NULL, data VARCHAR NOT NULL,
  set_by VARCHAR NOT NULL, set_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS consents (
  partner VARCHAR NOT NULL, item_id VARCHAR NOT NULL, given_by VARCHAR NOT NULL,
  given_at TIMESTAMPTZ NOT NULL, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS partners (
  agency VARCHAR PRIMARY KEY, sign_key VARCHAR NOT NULL, enc_key VARCHAR NOT NULL,
  address VARCHAR, added_by VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL)""",
    # What this node sent: one row per package, message or correction, with its receipt.
    """CREATE TABLE IF NOT EXISTS sent (
  package_id VARCHAR PRIMARY KEY, partner VARCHAR NOT NULL, sequence BIGINT NOT NULL,
  kind VARCHAR NOT NULL, purpose VARCHAR, rfi_id VARCHAR, sent_by VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL, status VARCHAR NOT NULL,
  manifest VARCHAR NOT NULL, withheld VARCHAR NOT NULL, receipt VARCHAR, error VARCHAR,
  delivered_at TIMESTAMPTZ, UNIQUE (partner, sequence))""",
    # The ledger: which item went to which partner in which package (corrections follow it).
    """CREATE TABLE IF NOT EXISTS sent_items (
  package_id VARCHAR NOT NULL, partner VARCHAR NOT NULL, item_id VARCHAR NOT NULL,
  entity_id VARCHAR, kind VARCHAR NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS sent_items_item ON sent_items (item_id)",
    """CREATE TABLE IF NOT EXISTS received (
  package_id VARCHAR PRIMARY KEY, sender VARCHAR NOT NULL, sequence BIGINT NOT NULL,
  kind VARCHAR NOT NULL, rfi_id VARCHAR, created_at TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL, sha256 VARCHAR NOT NULL, manifest VARCHAR NOT NULL,
  receipt VARCHAR NOT NULL, UNIQUE (sender, sequence))""",
    """CREATE TABLE IF NOT EXISTS rfis (
  id VARCHAR NOT NULL, direction VARCHAR NOT NULL, partner VARCHAR NOT NULL,
  subject_kind VARCHAR NOT NULL, subject VARCHAR NOT NULL, question VARCHAR NOT NULL,
  purpose VARCHAR NOT NULL, requested_by VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
  due_at TIMESTAMPTZ NOT NULL, status VARCHAR NOT NULL, closed_at TIMESTAMPTZ,
  package_id VARCHAR, reason VARCHAR, closed_by VARCHAR, PRIMARY KEY (id, direction))""",
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


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    agency: str
    sign_key: str  # base64 Ed25519 public key, pinned
    enc_key: str  # base64 X25519 public key, pinned
    address: str | None
    added_by: str
    added_at: datetime


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

    @abstractmethod
    def save_partner(self, partner: PartnerRecord) -> None:
        """Pin a partner's keys (replacing an earlier pin: keys are rotated this way)."""

    @abstractmethod
    def partners(self) -> list[PartnerRecord]: ...

    @abstractmethod
    def sent_rows(
        self, partner: str | None = None, pending_at: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Packages sent (to `partner`), oldest first; with `pending_at`, only those not yet
        delivered and not expired at that time."""

    @abstractmethod
    def received_rows(
        self, package_id: str | None = None, sender_sequence: tuple[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """Packages received, oldest first; with a package id or a (sender, sequence), only
        those with that id or that sender's sequence number (a replay)."""

    @abstractmethod
    def rfi_rows(
        self, direction: str | None = None, rfi_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Requests for information, oldest first, of one direction (`in`, `out`) or id."""

    @abstractmethod
    def rfi_replies(self, direction: str, rfi_id: str | None = None) -> dict[str, dict[str, Any]]:
        """The latest reply to each request of one direction, by request id: the package
        received for a request this node sent (`out`), the package it sent for one it received
        (`in`)."""

    @abstractmethod
    def recipients(self, item_ids: Sequence[str]) -> dict[str, tuple[list[str], str | None]]:
        """Which partners received these items (from the ledger): for each, the items it holds
        and the purpose of the latest package that carried any of them."""

    @abstractmethod
    def next_sequence(self, partner: str) -> int:
        """The next sequence number for a package to `partner` (reserved by `record_sent`)."""

    @abstractmethod
    def record_sent(
        self, row: dict[str, Any], items: Sequence[tuple[str, str | None, str]]
    ) -> None:
        """Record a package sent (and the ledger of its items: id, entity id, kind) at once."""

    @abstractmethod
    def update_row(self, table: str, key: dict[str, object], values: dict[str, object]) -> None:
        """Set columns of one row of a sharing table (status, receipt, answers)."""

    @abstractmethod
    def insert_row(self, table: str, row: dict[str, Any]) -> None: ...

    @abstractmethod
    def statement_rows(self, entity_ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]:
        """Every statement the scope allows about these entities (for a package)."""

    @abstractmethod
    def statements_by_id(self, ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]: ...

    @abstractmethod
    def linked_entities(self, entity_ids: Sequence[str], scope: ReadScope) -> list[str]:
        """Entities one relationship away: those these point at and those pointing at them."""

    @abstractmethod
    def entities_with_key(self, kind: str, value: str, scope: ReadScope) -> list[str]:
        """Entities with this plate (vehicle), phone number (phone) or account number."""


class DuckDBSharing(DuckDBBase, SharingStore):
    """The DuckDB implementation, mixed into `DuckDBStore`."""

    def save_agreement(self, agreement: Agreement, set_by: str, at: datetime) -> Agreement:
        with self._transaction() as cur:
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
        self._execute([(
            "INSERT INTO consents VALUES (?, ?, ?, ?, ?)",
            [c.partner, c.item_id, c.given_by, c.given_at, c.note],
        )])  # fmt: skip

    def consents(self, partner: str | None = None) -> list[Consent]:
        where, params = ("WHERE partner = ?", [partner]) if partner else ("", [])
        rows = self._fetch(f"SELECT * FROM consents {where} ORDER BY given_at, item_id", params)
        return [Consent(*r) for r in rows]

    def save_partner(self, partner: PartnerRecord) -> None:
        p = partner
        self._execute([
            ("DELETE FROM partners WHERE agency = ?", [p.agency]),
            ("INSERT INTO partners VALUES (?, ?, ?, ?, ?, ?)",
             [p.agency, p.sign_key, p.enc_key, p.address, p.added_by, p.added_at]),
        ])  # fmt: skip

    def partners(self) -> list[PartnerRecord]:
        return [PartnerRecord(*r) for r in self._fetch("SELECT * FROM partners ORDER BY agency")]

    def sent_rows(
        self, partner: str | None = None, pending_at: datetime | None = None
    ) -> list[dict[str, Any]]:
        where, params = _where(partner=partner)
        if pending_at is not None:
            where += " AND status <> 'delivered' AND expires_at > ?"
            params.append(pending_at)
        return self._dicts(
            f"SELECT * FROM sent WHERE {where} ORDER BY created_at, sequence", params
        )

    def received_rows(
        self, package_id: str | None = None, sender_sequence: tuple[str, int] | None = None
    ) -> list[dict[str, Any]]:
        where, params = "true", []
        if package_id is not None or sender_sequence is not None:
            sender, sequence = sender_sequence or (None, None)
            where = "(package_id = ? OR (sender = ? AND sequence = ?))"
            params = [package_id, sender, sequence]
        return self._dicts(
            f"SELECT * FROM received WHERE {where} ORDER BY received_at, sequence", params
        )

    def rfi_rows(
        self, direction: str | None = None, rfi_id: str | None = None
    ) -> list[dict[str, Any]]:
        where, params = _where(direction=direction, id=rfi_id)
        return self._dicts(f"SELECT * FROM rfis WHERE {where} ORDER BY created_at", params)

    def rfi_replies(self, direction: str, rfi_id: str | None = None) -> dict[str, dict[str, Any]]:
        table, at = {"out": ("received", "received_at"), "in": ("sent", "created_at")}[direction]
        where, params = _where(rfi_id=rfi_id)
        rows = self._dicts(
            f"SELECT * FROM {table} WHERE rfi_id IS NOT NULL AND kind <> 'rfi' AND {where} "
            f"ORDER BY {at}",
            params,
        )
        return {row["rfi_id"]: row for row in rows}  # the latest wins

    def recipients(self, item_ids: Sequence[str]) -> dict[str, tuple[list[str], str | None]]:
        if not item_ids:
            return {}
        wanted = pa.table({"id": pa.array(list(dict.fromkeys(item_ids)), pa.string())})
        rows = self._dicts(
            "SELECT i.partner, i.item_id, s.purpose FROM sent_items i "
            "JOIN _ids w ON i.item_id = w.id JOIN sent s ON s.package_id = i.package_id "
            "ORDER BY i.partner, s.created_at",
            (),
            {"_ids": wanted},
        )
        items: dict[str, dict[str, None]] = {}
        purposes: dict[str, str | None] = {}
        for row in rows:
            items.setdefault(row["partner"], {})[row["item_id"]] = None
            purposes[row["partner"]] = row["purpose"] or purposes.get(row["partner"])
        return {partner: (list(held), purposes[partner]) for partner, held in items.items()}

    def next_sequence(self, partner: str) -> int:
        rows = self._fetch(
            "SELECT coalesce(max(sequence), 0) FROM sent WHERE partner = ?", [partner]
        )
        return int(rows[0][0]) + 1

    def record_sent(
        self, row: dict[str, Any], items: Sequence[tuple[str, str | None, str]]
    ) -> None:
        cols = list(row)
        marks = ", ".join("?" for _ in cols)
        with self._transaction() as cur:
            cur.execute(
                f"INSERT INTO sent ({', '.join(cols)}) VALUES ({marks})", list(row.values())
            )
            if items:
                table = pa.table({
                    "package_id": [row["package_id"]] * len(items),
                    "partner": [row["partner"]] * len(items),
                    "item_id": [i[0] for i in items],
                    "entity_id": [i[1] for i in items],
                    "kind": [i[2] for i in items],
                })  # fmt: skip
                cur.register("_items", table)
                cur.execute("INSERT INTO sent_items SELECT * FROM _items")
                cur.unregister("_items")

    def update_row(self, table: str, key: dict[str, object], values: dict[str, object]) -> None:
        if table not in _TABLES:
            raise ValueError(f"not a sharing table: {table}")
        sets = ", ".join(f"{c} = ?" for c in values)
        where = " AND ".join(f"{c} = ?" for c in key)
        self._execute(
            [(f"UPDATE {table} SET {sets} WHERE {where}", [*values.values(), *key.values()])]
        )

    def insert_row(self, table: str, row: dict[str, Any]) -> None:
        if table not in _TABLES:
            raise ValueError(f"not a sharing table: {table}")
        marks = ", ".join("?" for _ in row)
        self._execute(
            [(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))]
        )

    def _by_ids(
        self, select: str, column: str, ids: Sequence[str], scope: ReadScope, tail: str = ""
    ) -> list[dict[str, Any]]:
        """Rows of `statements` whose `column` is one of `ids` (joined, not a huge IN list)."""
        if not ids:
            return []
        pred, params = scope.predicate("s")
        wanted = pa.table({"id": pa.array(list(dict.fromkeys(ids)), pa.string())})
        return self._dicts(
            f"SELECT {select} FROM statements s JOIN _ids i ON s.{column} = i.id "
            f"WHERE {pred} {tail}",
            params,
            {"_ids": wanted},
        )

    def statement_rows(self, entity_ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]:
        return self._by_ids("s.*", "entity_id", entity_ids, scope, "ORDER BY s.entity_id, s.id")

    def statements_by_id(self, ids: Sequence[str], scope: ReadScope) -> list[dict[str, Any]]:
        return self._by_ids("s.*", "id", ids, scope, "ORDER BY s.id")

    def linked_entities(self, entity_ids: Sequence[str], scope: ReadScope) -> list[str]:
        out = self._by_ids(
            "DISTINCT s.value AS e", "entity_id", entity_ids, scope, "AND s.prop_type = 'entity'"
        )
        out += self._by_ids(
            "DISTINCT s.entity_id AS e", "value", entity_ids, scope, "AND s.prop_type = 'entity'"
        )
        return sorted({str(r["e"]) for r in out})

    def entities_with_key(self, kind: str, value: str, scope: ReadScope) -> list[str]:
        from corridor.normalise.phones import normalise_phone
        from corridor.normalise.plates import normalise_plate

        def account(v: str) -> str:
            return "".join(v.split()).upper()

        norm: Any = {"vehicle": normalise_plate, "phone": normalise_phone}.get(kind, account)
        where = {
            "vehicle": "s.prop IN ('registrationNumber', 'plate')",
            "phone": "s.prop_type = 'phone'",
            "account": "(s.prop_type = 'iban' OR s.prop IN ('accountNumber', 'iban'))",
        }[kind]
        target = norm(value)
        if not target:
            return []
        pred, params = scope.predicate("s")
        rows = self._fetch(
            f"SELECT DISTINCT s.entity_id, s.value FROM statements s WHERE {where} AND {pred}",
            params,
        )
        return sorted({str(e) for e, v in rows if norm(str(v)) == target})


_TABLES = frozenset({"sent", "sent_items", "received", "rfis", "partners", "consents"})


def _where(**equal: object) -> tuple[str, list[object]]:
    """`column = ?` for each given value (None: any), joined by AND; `true` when none is."""
    given = {column: value for column, value in equal.items() if value is not None}
    return " AND ".join([f"{column} = ?" for column in given] or ["true"]), list(given.values())
