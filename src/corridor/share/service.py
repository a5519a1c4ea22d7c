"""Sharing between nodes: send under the agreement, receive and import, corrections and recall.

`SharingService` is what the API and the command line call. Everything that leaves goes through
`corridor.share.policy.release` (the one policy); everything that arrives goes through
`corridor.share.package.open_package` and one store transaction (the one import path).

Receiving is crash-safe: a package that passed every check is written to the spool folder
before it is imported, the import is one transaction that also records the package as received,
and the spool file goes only after that commits. A node killed mid-import re-imports its spool
on restart (`recover`), and because statement and observation ids are kept and the store
deduplicates on them, nothing is duplicated and nothing is lost.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from followthemoney import model
from followthemoney.statement import Statement

from corridor.access.authz import Authz
from corridor.access.scope import ReadScope
from corridor.audit import Event, audit
from corridor.errors import Conflict, Forbidden, NotFound, PackageRefused, ValidationError
from corridor.model.observations import SPECS, ObservationKind
from corridor.model.subjects import PLATE_PROPERTIES, PLATE_SCHEMATA
from corridor.node.identity import NodeIdentity, PublicKeys, b64, unb64
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate
from corridor.share.agreement import Agreement
from corridor.share.package import DEFAULT_TTL, Header, Opened, open_package, seal
from corridor.share.policy import Release, SetConsents, parsed_grade, release
from corridor.store.base import IngestInfo, ObservationQuery, Store
from corridor.store.schema import observation_table
from corridor.store.sharing import Consent, PartnerRecord

#: The folder in the work directory holding packages in flight (inbox: received, not yet
#: imported; outbox: sent, kept for retries).
SPOOL_DIR = "spool"
#: Columns the receiving store makes itself: they never travel.
_LOCAL = ("ingest_id", "first_seen", "kind")
#: How many hops of relationships an answer follows from the entities asked about
#: (a person → an ownership → the vehicle).
RELATED_HOPS = 2
#: Statement columns that must be present and non-empty in a received statement.
_REQUIRED = ("id", "entity_id", "schema", "prop", "prop_type", "value", "dataset", "agency",
             "grading", "classification")  # fmt: skip

#: A transport delivers a package to a partner's address and returns (HTTP status, JSON body).
Transport = Callable[[str, bytes], tuple[int, dict[str, Any]]]


def http_transport(address: str, blob: bytes) -> tuple[int, dict[str, Any]]:
    """POST the package to the partner's inbox."""
    import httpx

    url = address.rstrip("/") + "/inbox"
    try:
        response = httpx.post(
            url, content=blob, headers={"content-type": "application/octet-stream"}, timeout=120
        )
    except httpx.TransportError as exc:
        return 0, {"error": "Unreachable", "message": f"{url}: {exc}"}
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text[:500]}
    return response.status_code, body if isinstance(body, dict) else {"body": body}


@dataclass
class Sent:
    """A package built for a partner: what went, what was held back, and its delivery."""

    package_id: str
    partner: str
    sequence: int
    kind: str
    manifest: dict[str, Any]
    withheld: dict[str, int]
    blob: bytes
    status: str = "built"
    receipt: dict[str, Any] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "package_id": self.package_id,
            "partner": self.partner,
            "sequence": self.sequence,
            "kind": self.kind,
            "status": self.status,
            "manifest": self.manifest,
            "withheld": self.withheld,
            "receipt": self.receipt,
            "error": self.error,
            "bytes": len(self.blob),
        }


@dataclass
class Selection:
    statements: list[dict[str, Any]] = field(default_factory=list)
    context: list[dict[str, Any]] = field(default_factory=list)
    observations: dict[ObservationKind, list[dict[str, Any]]] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


def _portable(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in _LOCAL}


def receipt_bytes(receipt: Mapping[str, Any]) -> bytes:
    return orjson.dumps(receipt, option=orjson.OPT_SORT_KEYS)


class SharingService:
    """One node's sharing: its store, identity, spool folder and transport."""

    def __init__(
        self,
        store: Store,
        identity: NodeIdentity,
        spool: Path | None = None,
        transport: Transport = http_transport,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.identity = identity
        self.spool = spool
        self.transport = transport
        self.clock = clock
        self._receiving = threading.Lock()

    @property
    def agency(self) -> str:
        return self.identity.agency

    # -- partners and agreements -------------------------------------------------------------

    def add_partner(self, card: Mapping[str, Any], address: str | None, by: str) -> PartnerRecord:
        keys = PublicKeys.from_card(dict(card))
        if keys.agency == self.agency:
            raise ValidationError("a node cannot be its own partner", "agency")
        if address is not None and not address.startswith(("http://", "https://")):
            raise ValidationError("the address must be an http(s) URL", "address")
        record = PartnerRecord(
            keys.agency, b64(keys.sign_key), b64(keys.enc_key), address, by, self.clock()
        )
        self.store.save_partner(record)
        return record

    def partner(self, agency: str) -> PartnerRecord:
        for p in self.store.partners():
            if p.agency == agency:
                return p
        raise NotFound(f"{agency} is not a partner of this node (`corridor partner add`)")

    def partner_keys(self, agency: str) -> PublicKeys | None:
        for p in self.store.partners():
            if p.agency == agency:
                return PublicKeys(
                    p.agency, unb64(p.sign_key, "sign_key"), unb64(p.enc_key, "enc_key")
                )
        return None

    def agreement(self, partner: str) -> Agreement:
        agreement = self.store.agreement(partner)
        if agreement is None:
            raise Forbidden(f"there is no sharing agreement with {partner}: nothing may go")
        return agreement

    def consents(self, partner: str) -> SetConsents:
        return SetConsents(frozenset((c.partner, c.item_id) for c in self.store.consents(partner)))

    def consent(self, authz: Authz, partner: str, item_id: str, note: str | None) -> Consent:
        consent = Consent(partner, item_id, authz.user, self.clock(), note)
        self.store.add_consent(consent)
        audit(
            self.store,
            authz,
            Event.DECIDE,
            f"consents/{partner}/{item_id}",
            detail={"consent": True, "note": note},
        )
        return consent

    # -- selecting and sending ---------------------------------------------------------------

    def select(
        self,
        entity_ids: Sequence[str],
        scope: ReadScope,
        kinds: Iterable[ObservationKind] = (),
        hops: int = 0,
    ) -> Selection:
        """Statements of the entities (and those `hops` relationships away), the statements
        they point at (context for the policy), and the sensor observations of their plates
        and phones."""
        ids = list(dict.fromkeys(entity_ids))
        for _ in range(hops):
            more = [i for i in self.store.linked_entities(ids, scope) if i not in set(ids)]
            if not more:
                break
            ids.extend(more)
        rows = self.store.statement_rows(ids, scope)
        if not rows:
            return Selection()
        pointed = sorted({str(r["value"]) for r in rows if r["prop_type"] == "entity"} - set(ids))
        context = rows + self.store.statement_rows(pointed, scope) if pointed else rows
        out = Selection(statements=rows, context=context)
        kinds = list(kinds)
        if kinds:
            plates, phones = _subject_keys(rows, kinds)
            if plates or phones:
                query = ObservationQuery(
                    kinds=tuple(kinds), plates=tuple(sorted(plates)),
                    phones=tuple(sorted(phones)), limit=10_000_000,
                )  # fmt: skip
                for row in self.store.observations(query, scope):
                    out.observations.setdefault(ObservationKind(row["kind"]), []).append(row)
        return out

    def release(self, partner: str, purpose: str, selection: Selection) -> Release:
        """Apply the policy: the one place deciding what of a selection may go."""
        return release(
            selection.statements, selection.observations, self.agreement(partner), purpose,
            self.agency, self.consents(partner), self.clock().date(), selection.context,
        )  # fmt: skip

    def share(
        self,
        authz: Authz,
        partner: str,
        entity_ids: Sequence[str],
        purpose: str,
        *,
        observations: bool = True,
        hops: int = 0,
        rfi_id: str | None = None,
        deliver: bool = True,
    ) -> Sent:
        """Select, filter by the agreement, seal, record and (unless `deliver` is off, for a
        file) push an intelligence package to a partner."""
        record = self.partner(partner)
        agreement = self.agreement(partner)
        kinds = sorted(agreement.observations) if observations else []
        selection = self.select(entity_ids, authz.scope, kinds, hops)
        if not selection.statements:
            raise NotFound("none of the selected entities exist or are visible to you")
        released = self.release(partner, purpose, selection)
        return self._send_release(authz, record, agreement, purpose, released, rfi_id, deliver)

    def _send_release(
        self,
        authz: Authz,
        record: PartnerRecord,
        agreement: Agreement,
        purpose: str,
        released: Release,
        rfi_id: str | None,
        deliver: bool,
        retract: Sequence[str] = (),
        reason: str | None = None,
    ) -> Sent:
        kind = "correction" if retract or reason else "intelligence"
        statements = [_portable(r) for r in released.statements]
        observations = {
            k.value: [_portable(r) for r in rows] for k, rows in released.observations.items()
        }
        manifest = {
            "purpose": purpose,
            "agreement_version": agreement.version,
            "entities": len({r["entity_id"] for r in statements}),
            "statements": len(statements),
            "observations": {k: len(v) for k, v in observations.items()},
            "retract": len(retract),
            "handling": "each record carries its originator's grading, action code, "
            "sanitisation code and handling instructions: follow them",
        }
        content = {
            "manifest": manifest,
            "statements": statements,
            "observations": observations,
            "retract": list(retract),
            "reason": reason,
        }
        items: list[tuple[str, str | None, str]] = [
            (str(r["id"]), str(r["entity_id"]), "statement") for r in statements
        ]
        for k, rows in observations.items():
            items.extend((str(r["id"]), None, k) for r in rows)
        return self._send(
            authz, record, kind, content, manifest, dict(released.withheld), items, purpose,
            rfi_id, deliver,
        )  # fmt: skip

    def _send(
        self,
        authz: Authz,
        record: PartnerRecord,
        kind: str,
        content: Mapping[str, Any],
        manifest: dict[str, Any],
        withheld: dict[str, int],
        items: Sequence[tuple[str, str | None, str]],
        purpose: str | None,
        rfi_id: str | None,
        deliver: bool,
        ttl: timedelta = DEFAULT_TTL,
    ) -> Sent:
        keys = self.partner_keys(record.agency)
        assert keys is not None
        sequence = self.store.next_sequence(record.agency)
        header, blob = seal(
            self.identity, keys, kind, sequence, content, ttl=ttl, rfi_id=rfi_id, now=self.clock()
        )
        sent = Sent(header.package_id, record.agency, sequence, kind, manifest, withheld, blob)
        self.store.record_sent(
            {
                "package_id": header.package_id, "partner": record.agency, "sequence": sequence,
                "kind": kind, "purpose": purpose, "rfi_id": rfi_id, "sent_by": authz.user,
                "created_at": header.created_at, "expires_at": header.expires_at,
                "status": "built", "manifest": orjson.dumps(manifest).decode(),
                "withheld": orjson.dumps(withheld).decode(),
            },
            items,
        )  # fmt: skip
        audit(
            self.store,
            authz,
            Event.SHARE,
            f"package/{header.package_id}",
            purpose=purpose,
            detail={
                "partner": record.agency,
                "kind": kind,
                "sequence": sequence,
                "items": len(items),
                "withheld": withheld,
                "rfi": rfi_id,
            },
        )
        if self.spool is not None:
            outbox = self.spool / "outbox"
            outbox.mkdir(parents=True, exist_ok=True)
            (outbox / f"{header.package_id}.pkg").write_bytes(blob)
        if deliver:
            self.deliver(sent)
        return sent

    def deliver(self, sent: Sent) -> Sent:
        """Push a built package to the partner's inbox and check the signed receipt."""
        record = self.partner(sent.partner)
        if not record.address:
            sent.status, sent.error = "failed", f"no address for {sent.partner}: send it as a file"
        else:
            status, body = self.transport(record.address, sent.blob)
            if status == 200 and isinstance(body.get("receipt"), dict):
                self.check_receipt(sent, body)
                sent.status, sent.receipt = "delivered", body["receipt"]
            elif status == 409 and body.get("reason") == "replayed":
                sent.status, sent.error = "delivered", str(body.get("message"))
            else:
                sent.status = "failed"
                sent.error = str(body.get("message") or body) if status else str(body["message"])
        self.store.update_row(
            "sent",
            {"package_id": sent.package_id},
            {
                "status": sent.status,
                "error": sent.error,
                "receipt": orjson.dumps(sent.receipt).decode() if sent.receipt else None,
                "delivered_at": self.clock() if sent.status == "delivered" else None,
            },
        )
        return sent

    def check_receipt(self, sent: Sent, body: Mapping[str, Any]) -> None:
        """A receipt counts only when the partner's pinned key signed it for this package."""
        keys = self.partner_keys(sent.partner)
        receipt = body.get("receipt")
        try:
            signature = unb64(str(body.get("signature", "")), "signature")
        except ValidationError:
            signature = b""
        if (
            keys is None
            or not isinstance(receipt, dict)
            or receipt.get("package_id") != sent.package_id
            or not keys.verify(signature, receipt_bytes(receipt))
        ):
            raise PackageRefused("bad_receipt", f"the receipt from {sent.partner} does not verify")

    def retry(self) -> list[Sent]:
        """Deliver again every package still waiting (built or failed, not expired)."""
        out = []
        rows = self.store.sharing_rows(
            "sent", "WHERE status <> 'delivered' AND expires_at > ? ORDER BY created_at",
            [self.clock()],
        )  # fmt: skip
        for row in rows:
            path = self.spool / "outbox" / f"{row['package_id']}.pkg" if self.spool else None
            if path is None or not path.exists():
                continue
            sent = Sent(
                row["package_id"], row["partner"], row["sequence"], row["kind"],
                orjson.loads(row["manifest"]), orjson.loads(row["withheld"]), path.read_bytes(),
            )  # fmt: skip
            out.append(self.deliver(sent))
        return out

    def sent(self, partner: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE partner = ?", [partner]) if partner else ("", [])
        rows = self.store.sharing_rows("sent", f"{where} ORDER BY created_at, sequence", params)
        for row in rows:
            for key in ("manifest", "withheld", "receipt"):
                row[key] = orjson.loads(row[key]) if row[key] else None
        return rows

    def received(self) -> list[dict[str, Any]]:
        rows = self.store.sharing_rows("received", "ORDER BY received_at, sequence")
        for row in rows:
            row["manifest"] = orjson.loads(row["manifest"])
            row["receipt"] = orjson.loads(row["receipt"])
        return rows

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, blob: bytes) -> dict[str, Any]:
        """Verify, spool, import; returns the signed receipt, or raises `PackageRefused`."""
        opened = open_package(blob, self.identity, self.partner_keys, self.clock())
        # One package at a time: the replay check and the import must not interleave.
        with self._receiving:
            self._refuse_replay(opened.header)
            spooled = self._spool(opened.header, blob)
            try:
                receipt = self._import(opened)
            except Conflict:  # recorded meanwhile by another process on the same store
                if spooled is not None:
                    spooled.unlink(missing_ok=True)
                self._refuse_replay(opened.header)
                raise
        if spooled is not None:
            spooled.unlink(missing_ok=True)
        return receipt

    def _refuse_replay(self, header: Header) -> None:
        rows = self.store.sharing_rows(
            "received", "WHERE package_id = ? OR (sender = ? AND sequence = ?)",
            [header.package_id, header.sender, header.sequence],
        )  # fmt: skip
        if rows:
            first = rows[0]
            raise PackageRefused(
                "replayed",
                f"{header.sender}'s package {header.sequence} ({first['package_id']}) was "
                f"already received at {first['received_at'].isoformat()}",
            )

    def _spool(self, header: Header, blob: bytes) -> Path | None:
        if self.spool is None:
            return None
        inbox = self.spool / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        path = inbox / f"{header.package_id}.pkg"
        tmp = path.with_suffix(".part")
        with tmp.open("wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        return path

    def recover(self) -> list[dict[str, Any]]:
        """Import every spooled package that a crash left unimported (checked again, but not
        for expiry: it was in time when it arrived)."""
        if self.spool is None or not (self.spool / "inbox").is_dir():
            return []
        out = []
        for path in sorted((self.spool / "inbox").glob("*.pkg")):
            blob = path.read_bytes()
            opened = open_package(
                blob, self.identity, self.partner_keys, self.clock(), check_expiry=False
            )
            try:
                self._refuse_replay(opened.header)
            except PackageRefused:
                path.unlink()  # imported before the crash; only the clean-up was lost
                continue
            out.append(self._import(opened))
            path.unlink()
        return out

    def _import(self, opened: Opened) -> dict[str, Any]:
        header, content = opened.header, opened.content
        received_at = self.clock()
        statements = [
            _statement(row, n, header.sender)
            for n, row in enumerate(content.get("statements") or [], 1)
        ]
        observations = _observations(content.get("observations") or {}, header.sender)
        retract = [str(i) for i in content.get("retract") or []]
        info = IngestInfo(
            id=f"pkg-{header.package_id}",
            path=f"{header.kind} package {header.sequence} from {header.sender}",
            kind=f"package:{header.kind}",
            sha256=opened.sha256,
            started_at=received_at,
            agency=header.sender,
            user_name=f"node:{header.sender}",
        )
        counts: dict[str, Any] = {}
        receipt = {
            "package_id": header.package_id,
            "sender": header.sender,
            "recipient": header.recipient,
            "sequence": header.sequence,
            "kind": header.kind,
            "sha256": opened.sha256,
            "received_at": received_at.isoformat(),
            "status": "imported",
            "counts": counts,
        }
        manifest = dict(content.get("manifest") or {})
        for key in ("reason", "rfi"):
            if content.get(key) is not None:
                manifest[key] = content[key]
        with self.store.writer(info) as writer:
            counts["retracted"] = writer.retract(retract, sender=header.sender)
            writer.add_statements(statements)
            for kind, columns in observations.items():
                writer.add_observations(kind, columns)
            writer.flush()
            counts["statements"] = writer.result.statements_added
            counts["observations"] = writer.result.observations_added
            rfi = content.get("rfi")
            if header.kind == "rfi" and isinstance(rfi, dict):
                writer.add_row("rfis", _incoming_rfi(rfi, header))
            writer.add_row(
                "received",
                {
                    "package_id": header.package_id, "sender": header.sender,
                    "sequence": header.sequence, "kind": header.kind, "rfi_id": header.rfi_id,
                    "created_at": header.created_at, "received_at": received_at,
                    "sha256": opened.sha256, "manifest": orjson.dumps(manifest).decode(),
                    "receipt": orjson.dumps(receipt).decode(),
                },
            )  # fmt: skip
            _crash_point()
        sender = dataclasses.replace(
            Authz.system_user(), user=f"node:{header.sender}", agency=header.sender
        )
        audit(
            self.store, sender, Event.RECEIVE, f"package/{header.package_id}",
            purpose=str(manifest.get("purpose") or "") or None,
            detail={"kind": header.kind, "sequence": header.sequence, "counts": counts,
                    "rfi": header.rfi_id},
        )  # fmt: skip
        return self.sign_receipt(receipt)

    def sign_receipt(self, receipt: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "receipt": dict(receipt),
            "signature": b64(self.identity.sign(receipt_bytes(receipt))),
        }

    # -- corrections and recall --------------------------------------------------------------

    def correct(
        self, authz: Authz, statement_id: str, new_value: str | None, reason: str
    ) -> dict[str, Any]:
        """Correct (or, with no new value, delete) one of this node's own statements, here
        and at every partner that received it."""
        if not reason.strip():
            raise ValidationError("say why the record is corrected", "reason")
        rows = self.store.statements_by_id([statement_id], authz.scope)
        if not rows:
            raise NotFound(f"no statement {statement_id!r}")
        old = rows[0]
        if old["agency"] != self.agency:
            raise Forbidden(f"only the originator ({old['agency']}) may correct this record")
        authz.require_agency(self.agency)
        new: dict[str, Any] | None = None
        if new_value is not None:
            if not new_value.strip():
                raise ValidationError("the corrected value is empty", "value")
            key = Statement.make_key(
                old["dataset"], old["entity_id"], old["prop"], new_value, False
            )
            new_id = hashlib.sha1(f"{key}\x1fcorrects\x1f{statement_id}".encode()).hexdigest()
            new = {**_portable(old), "value": new_value, "original_value": None, "id": new_id}
        info = IngestInfo(
            id=f"correction-{uuid.uuid4()}", path=f"correction of {statement_id}: {reason}",
            kind="correction", sha256=hashlib.sha256(reason.encode()).hexdigest(),
            started_at=self.clock(), agency=self.agency, user_name=authz.user,
        )  # fmt: skip
        with self.store.writer(info) as writer:
            writer.retract([statement_id])
            if new is not None:
                writer.add_statements([new])
        audit(
            self.store,
            authz,
            Event.WRITE,
            f"statements/{statement_id}",
            detail={"correction": reason, "deleted": new is None},
        )
        sent = []
        for partner in self._recipients_of([statement_id]):
            sent.append(
                self._propagate(authz, partner, [statement_id], [new] if new else [], reason)
            )
        return {
            "retracted": statement_id,
            "statement": new,
            "partners": [s.to_dict() for s in sent],
        }

    def recall(self, authz: Authz, entity_id: str, reason: str) -> dict[str, Any]:
        """Delete this node's own statements about an entity, here and at every partner."""
        if not reason.strip():
            raise ValidationError("say why the record is recalled", "reason")
        authz.require_agency(self.agency)
        rows = [r for r in self.store.statement_rows([entity_id], authz.scope)
                if r["agency"] == self.agency]  # fmt: skip
        if not rows:
            raise NotFound(f"this node holds no statements of its own about {entity_id!r}")
        ids = [str(r["id"]) for r in rows]
        info = IngestInfo(
            id=f"recall-{uuid.uuid4()}", path=f"recall of {entity_id}: {reason}", kind="recall",
            sha256=hashlib.sha256(reason.encode()).hexdigest(), started_at=self.clock(),
            agency=self.agency, user_name=authz.user,
        )  # fmt: skip
        with self.store.writer(info) as writer:
            deleted = writer.retract(ids)
        audit(
            self.store,
            authz,
            Event.WRITE,
            f"entities/{entity_id}",
            detail={"recall": reason, "deleted": deleted},
        )
        sent = [self._propagate(authz, p, ids, [], reason) for p in self._recipients_of(ids)]
        return {"entity_id": entity_id, "deleted": deleted, "partners": [s.to_dict() for s in sent]}

    def _recipients_of(self, item_ids: Sequence[str]) -> dict[str, list[str]]:
        marks = ", ".join("?" for _ in item_ids)
        rows = self.store.sharing_rows(
            "sent_items", f"WHERE item_id IN ({marks}) ORDER BY partner", list(item_ids)
        )
        out: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            out[row["partner"]].append(row["item_id"])
        return out

    def _propagate(
        self, authz: Authz, partner: str, retract: Sequence[str], new: list[dict[str, Any]],
        reason: str,
    ) -> Sent:  # fmt: skip
        record = self.partner(partner)
        agreement = self.agreement(partner)
        purposes = [r["purpose"] for r in self.sent(partner) if r["purpose"]]
        purpose = purposes[-1] if purposes else sorted(agreement.purposes)[0]
        released = Release()
        if new:
            selection = Selection(statements=new, context=new)
            try:
                released = self.release(partner, purpose, selection)
            except Forbidden:
                released = Release()  # the agreement no longer lets the new value go
        return self._send_release(
            authz, record, agreement, purpose, released, None, True, retract, reason
        )

    # -- requests for information ------------------------------------------------------------

    def ask(
        self, authz: Authz, partner: str, subject_kind: str, subject: str, question: str,
        purpose: str, due_days: int = 7,
    ) -> dict[str, Any]:  # fmt: skip
        """Send a request for information about a person, vehicle, phone or account."""
        if subject_kind not in SUBJECT_KINDS:
            raise ValidationError(
                f"subject kind must be one of {', '.join(sorted(SUBJECT_KINDS))}", "subject_kind"
            )
        if not subject.strip():
            raise ValidationError("say who or what the request is about", "subject")
        if not 1 <= due_days <= 90:
            raise ValidationError("due_days must be between 1 and 90", "due_days")
        record = self.partner(partner)
        self.agreement(partner).allows_purpose(purpose) or _refuse_purpose(partner, purpose)
        now = self.clock()
        rfi = {
            "id": f"rfi-{uuid.uuid4().hex[:12]}", "subject_kind": subject_kind,
            "subject": subject.strip(), "question": question.strip(), "purpose": purpose,
            "requested_by": authz.user, "created_at": now.isoformat(),
            "due_at": (now + timedelta(days=due_days)).isoformat(),
        }  # fmt: skip
        self.store.insert_row("rfis", _rfi_row(rfi, "out", partner))
        audit(
            self.store,
            authz,
            Event.REQUEST,
            f"rfis/{rfi['id']}",
            purpose=purpose,
            detail={"partner": partner, "subject_kind": subject_kind, "subject": subject},
        )
        sent = self._send(
            authz, record, "rfi", {"rfi": rfi}, {"rfi": rfi["id"]}, {}, [], purpose, rfi["id"], True
        )
        return {**self.rfi(rfi["id"]), "delivery": sent.to_dict()}

    def rfis(self, direction: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE direction = ?", [direction]) if direction else ("", [])
        rows = self.store.sharing_rows("rfis", f"{where} ORDER BY created_at", params)
        return [self._rfi_status(r) for r in rows]

    def rfi(self, rfi_id: str, direction: str | None = None) -> dict[str, Any]:
        for row in self.rfis(direction):
            if row["id"] == rfi_id:
                return row
        raise NotFound(f"no request for information {rfi_id!r}")

    def _rfi_status(self, row: dict[str, Any]) -> dict[str, Any]:
        """Status comes from what was sent or received for the request, never stored apart
        from it, so it cannot disagree with the packages."""
        if row["direction"] == "out":
            replies = self.store.sharing_rows(
                "received", "WHERE rfi_id = ? AND kind <> 'rfi' ORDER BY received_at",
                [row["id"]],
            )  # fmt: skip
            at_key = "received_at"
        else:
            replies = self.store.sharing_rows(
                "sent", "WHERE rfi_id = ? AND kind <> 'rfi' ORDER BY created_at", [row["id"]]
            )
            at_key = "created_at"
        now = self.clock()
        out = dict(row)
        out.update(status="open", closed_at=None, package_id=None, reason=None, closed_by=None)
        if replies:
            reply = replies[-1]
            manifest = orjson.loads(reply["manifest"])
            out["status"] = "declined" if reply["kind"] == "rfi-decline" else "answered"
            out["closed_at"] = reply[at_key]
            out["package_id"] = reply["package_id"]
            out["reason"] = manifest.get("reason")
            out["closed_by"] = reply.get("sent_by") or reply.get("sender")
            if out["status"] == "answered":
                out["answer"] = {
                    k: manifest.get(k) for k in ("entities", "statements", "observations")
                }
        end = out["closed_at"] or now
        out["elapsed_hours"] = round((end - row["created_at"]).total_seconds() / 3600, 1)
        out["overdue"] = out["status"] == "open" and now > row["due_at"]
        return out

    def answer(
        self, authz: Authz, rfi_id: str, entity_ids: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Answer a partner's request with a package (by default: the entities the subject
        matches here, and what they are linked to)."""
        rfi = self._open_incoming(rfi_id)
        ids = list(entity_ids) if entity_ids else self.match_subject(rfi, authz.scope)
        if not ids:
            raise NotFound(f"nothing here matches {rfi['subject']!r}: decline with a reason")
        self._decided(authz, rfi, decision="answer", entities=ids[:100])
        sent = self.share(
            authz, rfi["partner"], ids, rfi["purpose"], hops=RELATED_HOPS, rfi_id=rfi_id
        )
        return {**self.rfi(rfi_id, "in"), "delivery": sent.to_dict()}

    def decline(self, authz: Authz, rfi_id: str, reason: str) -> dict[str, Any]:
        if not reason.strip():
            raise ValidationError("a declined request needs a reason", "reason")
        rfi = self._open_incoming(rfi_id)
        record = self.partner(rfi["partner"])
        self._decided(authz, rfi, decision="decline", reason=reason.strip())
        sent = self._send(
            authz, record, "rfi-decline", {"reason": reason.strip()}, {"reason": reason.strip()},
            {}, [], rfi["purpose"], rfi_id, True,
        )  # fmt: skip
        return {**self.rfi(rfi_id, "in"), "delivery": sent.to_dict()}

    def _decided(self, authz: Authz, rfi: Mapping[str, Any], **detail: Any) -> None:
        audit(self.store, authz, Event.DECIDE, f"rfis/{rfi['id']}", purpose=rfi["purpose"],
              detail=detail)  # fmt: skip

    def _open_incoming(self, rfi_id: str) -> dict[str, Any]:
        rfi = self.rfi(rfi_id, "in")
        if rfi["status"] != "open":
            raise Conflict(f"request {rfi_id} is already {rfi['status']}")
        return rfi

    def match_subject(self, rfi: Mapping[str, Any], scope: ReadScope) -> list[str]:
        """Entities here that the request's subject names: by name for a person, by plate,
        phone number or account number otherwise."""
        kind, subject = rfi["subject_kind"], str(rfi["subject"])
        if kind == "person":
            return [h.entity_id for h in self.store.search(subject, scope, ["Person"], 20)]
        return self.store.entities_with_key(kind, subject, scope)


SUBJECT_KINDS = frozenset({"person", "vehicle", "phone", "account"})


def _fills(kind: ObservationKind, column: str) -> bool:
    return any(f.column == column for f in SPECS[kind].fields)


def _subject_keys(
    rows: Sequence[Mapping[str, Any]], kinds: Sequence[ObservationKind]
) -> tuple[set[str], set[str]]:
    """The plate and phone keys that link these statements to sensor observations, read from
    the rows (the same rule as `model.subjects.subject_keys`, without assembling entities),
    and only the keys the wanted kinds of observation carry."""
    want_plates = any(_fills(k, "plate") for k in kinds)
    want_phones = any(_fills(k, "phone") for k in kinds)
    plates: set[str] = set()
    phones: set[str] = set()
    for row in rows:
        value = str(row["value"])
        if want_plates and row["prop"] in PLATE_PROPERTIES and _has_plates(str(row["schema"])):
            if plate := normalise_plate(value):
                plates.add(plate)
        elif want_phones and row["prop_type"] == "phone" and (phone := _phone(value)):
            phones.add(phone)
    return plates, phones


@lru_cache(maxsize=1024)
def _has_plates(schema: str) -> bool:
    ftm = model.get(schema)
    return ftm is not None and any(ftm.is_a(name) for name in PLATE_SCHEMATA)


@lru_cache(maxsize=65536)
def _phone(value: str) -> str | None:
    return normalise_phone(value)


def _refuse_purpose(partner: str, purpose: str) -> bool:
    raise Forbidden(f"purpose {purpose!r} is not permitted by the agreement with {partner}")


def _rfi_row(rfi: Mapping[str, Any], direction: str, partner: str) -> dict[str, Any]:
    return {
        "id": str(rfi["id"]), "direction": direction, "partner": partner,
        "subject_kind": str(rfi["subject_kind"]), "subject": str(rfi["subject"]),
        "question": str(rfi.get("question") or ""), "purpose": str(rfi["purpose"]),
        "requested_by": str(rfi["requested_by"]),
        "created_at": datetime.fromisoformat(str(rfi["created_at"])),
        "due_at": datetime.fromisoformat(str(rfi["due_at"])), "status": "open",
    }  # fmt: skip


def _incoming_rfi(rfi: Mapping[str, Any], header: Header) -> dict[str, Any]:
    try:
        return _rfi_row(rfi, "in", header.sender)
    except (KeyError, ValueError) as exc:
        raise PackageRefused("malformed", f"request for information: {exc}") from None


def _crash_point() -> None:
    """Fault injection for the crash-recovery test: with CORRIDOR_CRASH_IN_IMPORT set, the
    process is killed inside the import transaction, as a power cut would."""
    if os.environ.get("CORRIDOR_CRASH_IN_IMPORT"):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _statement(row: Any, n: int, sender: str) -> dict[str, Any]:
    """A received statement, checked: a partner's bad row refuses the package, naming it."""
    if not isinstance(row, dict):
        raise PackageRefused("malformed", f"statement {n} is not an object")
    for key in _REQUIRED:
        if row.get(key) in (None, ""):
            raise PackageRefused("malformed", f"statement {n}: field {key!r} is missing")
    try:
        parsed_grade(str(row["grading"]), row.get("grading_scheme"))
        out = {**row, "classification": int(row["classification"])}
        if row.get("collected_at"):
            out["collected_at"] = datetime.fromisoformat(str(row["collected_at"]))
        if row.get("review_by"):
            out["review_by"] = date.fromisoformat(str(row["review_by"])[:10])
    except (ValidationError, ValueError, TypeError) as exc:
        raise PackageRefused("malformed", f"statement {n} from {sender}: {exc}") from None
    return out


def _date(value: str) -> date:
    return date.fromisoformat(value[:10])


_TEMPORAL: dict[str, Callable[[str], Any]] = {
    "TIMESTAMPTZ": datetime.fromisoformat,
    "DATE": _date,
}


def _observations(
    data: Mapping[str, Any], sender: str
) -> dict[ObservationKind, dict[str, list[Any]]]:
    out: dict[ObservationKind, dict[str, list[Any]]] = {}
    for name, rows in data.items():
        try:
            kind = ObservationKind(name)
        except ValueError:
            raise PackageRefused("malformed", f"unknown observation kind {name!r}") from None
        columns = [(c, t.split()[0]) for c, t in observation_table(SPECS[kind])
                   if c not in ("id", *_LOCAL)]  # fmt: skip
        cols: dict[str, list[Any]] = {c: [] for c, _ in columns}
        for n, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise PackageRefused("malformed", f"{name} observation {n} is not an object")
            for col, typ in columns:
                value = row.get(col)
                if value is not None and typ in _TEMPORAL:
                    try:
                        value = _TEMPORAL[typ](str(value))
                    except ValueError:
                        raise PackageRefused(
                            "malformed", f"{name} observation {n} from {sender}: bad {col}"
                        ) from None
                cols[col].append(value)
        out[kind] = cols
    return out
