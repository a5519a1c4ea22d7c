"""The core of sharing between nodes: partners and agreements, sending under the agreement,
receiving and importing. Everything that leaves goes through
`corridor.share.policy.release` (the one policy); everything that arrives goes through
`corridor.share.package.open_package` and one store transaction (the one import path).

Receiving is crash-safe: a package that passed every check is written to the spool folder
before it is imported, the import is one transaction that also records the package as received,
and the spool file goes only after that commits. A node killed mid-import re-imports its spool
on restart (`recover`), and because statement and observation ids are kept and the store
deduplicates on them, nothing is duplicated and nothing is lost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import orjson
from followthemoney import model

from corridor.access.authz import Authz
from corridor.access.caller import VIA_NODE, Caller
from corridor.audit import Event, audit
from corridor.errors import (
    Conflict,
    CorridorError,
    Forbidden,
    NotFound,
    PackageRefused,
    ValidationError,
)
from corridor.model.agreement import Agreement
from corridor.model.observations import SPECS, ObservationKind
from corridor.model.scope import ReadScope
from corridor.model.subjects import PLATE_PROPERTIES, PLATE_SCHEMATA
from corridor.node.identity import NodeIdentity, PublicKeys, b64, unb64
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate
from corridor.share.agreements import agreement_in_force
from corridor.share.package import DEFAULT_TTL, Header, Opened, open_package, seal
from corridor.share.policy import Release, SetConsents, release
from corridor.share.rows import ReceivedContent, made_portable, received_content
from corridor.store.base import Store
from corridor.store.records import Consent, Delivery, IngestInfo, ObservationQuery, PartnerRecord

log = logging.getLogger(__name__)

#: The folder in the work directory holding packages in flight (inbox: received, not yet
#: imported; outbox: sent, kept for retries).
SPOOL_DIR = "spool"
#: How many hops of relationships an answer follows from the entities asked about
#: (a person → an ownership → the vehicle).
RELATED_HOPS = 2

#: A transport delivers a package to a partner's address and returns (HTTP status, JSON body).
Transport = Callable[[str, bytes], tuple[int, dict[str, Any]]]


def http_transport(address: str, blob: bytes) -> tuple[int, dict[str, Any]]:
    """POST the package to the partner's inbox."""
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
    """What was picked to send, before the policy: the statements, the statements they point
    at (so that a victim referred to is recognised), and the sensor reads of their plates and
    phones."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    context: list[dict[str, Any]] = field(default_factory=list)
    observations: dict[ObservationKind, list[dict[str, Any]]] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


def receipt_bytes(receipt: Mapping[str, Any]) -> bytes:
    return orjson.dumps(receipt, option=orjson.OPT_SORT_KEYS)


class SharingCore:
    """One node's sharing: its store, identity, spool folder and transport; partners,
    agreements, sending and receiving. `SharingService` adds requests and corrections."""

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

    def add_partner(
        self, card: Mapping[str, Any], address: str | None, caller: Caller
    ) -> PartnerRecord:
        """Pin a partner's keys (and address), as `caller`'s act (logged)."""
        keys = PublicKeys.from_card(dict(card))
        if keys.agency == self.agency:
            raise ValidationError("a node cannot be its own partner", "agency")
        if address is not None and not address.startswith(("http://", "https://")):
            raise ValidationError("the address must be an http(s) URL", "address")
        record = PartnerRecord(
            keys.agency, b64(keys.sign_key), b64(keys.enc_key), address, caller.user, self.clock()
        )
        self.store.save_partner(record)
        audit(self.store, caller, Event.ADMIN, f"partners/{keys.agency}",
              {"fingerprint": keys.fingerprint, "address": address})  # fmt: skip
        return record

    def partner(self, agency: str) -> PartnerRecord:
        for p in self.store.partners():
            if p.agency == agency:
                return p
        raise NotFound(f"{agency} is not a partner of this node (`corridor partner add`)")

    def partner_keys(self, agency: str) -> PublicKeys | None:
        """The partner's pinned keys (None: not a partner)."""
        try:
            p = self.partner(agency)
        except NotFound:
            return None
        return PublicKeys(p.agency, unb64(p.sign_key, "sign_key"), unb64(p.enc_key, "enc_key"))

    def agreement(self, partner: str) -> Agreement:
        agreement = agreement_in_force(self.store, partner)
        if agreement is None:
            raise Forbidden(f"there is no sharing agreement with {partner}: nothing may go")
        return agreement

    def consents(self, partner: str) -> SetConsents:
        return SetConsents(frozenset((c.partner, c.item_id) for c in self.store.consents(partner)))

    def consent(self, caller: Caller, partner: str, item_id: str, note: str | None) -> Consent:
        consent = Consent(partner, item_id, caller.user, self.clock(), note)
        self.store.add_consent(consent)
        audit(
            self.store,
            caller,
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
        ids = self.related(entity_ids, scope, hops)
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

    def related(self, entity_ids: Sequence[str], scope: ReadScope, hops: int) -> list[str]:
        """The entities and those up to `hops` relationships away, as `scope` sees them."""
        ids = list(dict.fromkeys(entity_ids))
        seen, frontier = set(ids), ids
        for _ in range(hops):  # each hop follows only the entities the last one added
            frontier = [i for i in self.store.linked_entities(frontier, scope) if i not in seen]
            if not frontier:
                break
            ids.extend(frontier)
            seen.update(frontier)
        return ids

    def release(self, partner: str, purpose: str, selection: Selection) -> Release:
        """Apply the policy: the one place deciding what of a selection may go."""
        return release(
            selection.statements, selection.observations, self.agreement(partner), purpose,
            self.agency, self.consents(partner), self.clock().date(), selection.context,
        )  # fmt: skip

    def share(
        self,
        caller: Caller,
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
        selection = self.select(entity_ids, caller.scope, kinds, hops)
        if not selection.statements:
            raise NotFound("none of the selected entities exist or are visible to you")
        released = self.release(partner, purpose, selection)
        return self._send_release(caller, record, agreement, purpose, released, rfi_id, deliver)

    def _send_release(
        self,
        caller: Caller,
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
        # The policy released copies of the node's rows: they are made portable where they are.
        statements = made_portable(released.statements)
        observations = {k.value: made_portable(rows) for k, rows in released.observations.items()}
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
            caller, record, kind, content, manifest, dict(released.withheld), items, purpose,
            rfi_id, deliver,
        )  # fmt: skip

    def _send(
        self,
        caller: Caller,
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
                "kind": kind, "purpose": purpose, "rfi_id": rfi_id, "sent_by": caller.user,
                "created_at": header.created_at, "expires_at": header.expires_at,
                "status": "built", "manifest": orjson.dumps(manifest).decode(),
                "withheld": orjson.dumps(withheld).decode(),
            },
            items,
        )  # fmt: skip
        audit(
            self.store,
            caller.stating(purpose),
            Event.SHARE,
            f"package/{header.package_id}",
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
                try:
                    self.check_receipt(sent, body)
                    sent.status, sent.receipt = "delivered", body["receipt"]
                except PackageRefused as exc:  # not confirmed: kept for another try
                    sent.status, sent.error = "failed", exc.message
            elif status == 409 and body.get("reason") == "replayed":
                sent.status, sent.error = "delivered", str(body.get("message"))
            else:
                sent.status, sent.error = "failed", str(body.get("message") or body)
        self.store.record_delivery(
            sent.package_id,
            Delivery(
                status=sent.status,
                error=sent.error,
                receipt=orjson.dumps(sent.receipt).decode() if sent.receipt else None,
                delivered_at=self.clock() if sent.status == "delivered" else None,
            ),
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
        for row in self.store.sent_rows(pending_at=self.clock()):
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
        rows = self.store.sent_rows(partner)
        for row in rows:
            for key in ("manifest", "withheld", "receipt"):
                row[key] = orjson.loads(row[key]) if row[key] else None
        return rows

    def received(self) -> list[dict[str, Any]]:
        rows = self.store.received_rows()
        for row in rows:
            row["manifest"] = orjson.loads(row["manifest"])
            row["receipt"] = orjson.loads(row["receipt"])
        return rows

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, blob: bytes) -> dict[str, Any]:
        """Verify, spool, import; returns the signed receipt, or raises `PackageRefused`."""
        opened = open_package(blob, self.identity, self.partner_keys, self.clock())
        received = received_content(opened.content, opened.header)  # refused before spooling
        # One package at a time: the replay check and the import must not interleave.
        with self._receiving:
            self._refuse_replay(opened.header)
            spooled = self._spool(opened.header, blob)
            try:
                receipt = self._import(opened, received)
            except Conflict:  # recorded meanwhile by another process on the same store
                if spooled is not None:
                    spooled.unlink(missing_ok=True)
                self._refuse_replay(opened.header)
                raise
        if spooled is not None:
            spooled.unlink(missing_ok=True)
        return receipt

    def _refuse_replay(self, header: Header) -> None:
        rows = self.store.received_rows(header.package_id, (header.sender, header.sequence))
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
            try:
                blob = path.read_bytes()
            except FileNotFoundError:  # recovered meanwhile by another worker of this node
                continue
            try:
                opened = open_package(
                    blob, self.identity, self.partner_keys, self.clock(), check_expiry=False
                )
                received = received_content(opened.content, opened.header)
            except PackageRefused as exc:  # spooled by an older version, or the file damaged
                self._quarantine(path, exc)
                continue
            try:
                self._refuse_replay(opened.header)
            except PackageRefused:
                path.unlink(
                    missing_ok=True
                )  # imported before the crash; only the clean-up was lost
                continue
            try:
                out.append(self._import(opened, received))
            except Conflict:  # imported just now by another worker
                pass
            except CorridorError as exc:  # one partner's package never stops the node
                self._quarantine(path, exc)
                continue
            path.unlink(missing_ok=True)
        return out

    def _quarantine(self, path: Path, why: Exception) -> None:
        """Set a spooled package that cannot be imported aside, with the reason, for the
        operator: the node starts and serves, and the package is not tried again."""
        assert self.spool is not None
        held = self.spool / "quarantine"
        held.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # set aside meanwhile by another worker
            path.replace(held / path.name)
            (held / f"{path.stem}.reason.txt").write_text(f"{why}\n", encoding="utf-8")
        log.error("package %s quarantined in %s: %s", path.stem, held, why)

    def _import(self, opened: Opened, received: ReceivedContent) -> dict[str, Any]:
        header = opened.header
        received_at = self.clock()
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
        manifest = received.manifest
        with self.store.writer(info) as writer:
            counts["retracted"] = writer.retract(received.retract, sender=header.sender)
            writer.add_statements(received.statements)
            for kind, columns in received.observations.items():
                writer.add_observations(kind, columns)
            writer.flush()
            counts["statements"] = writer.result.statements_added
            counts["observations"] = writer.result.observations_added
            if received.rfi is not None:
                writer.add_incoming_request(received.rfi)
            writer.record_received(
                {
                    "package_id": header.package_id, "sender": header.sender,
                    "sequence": header.sequence, "kind": header.kind, "rfi_id": header.rfi_id,
                    "created_at": header.created_at, "received_at": received_at,
                    "sha256": opened.sha256, "manifest": orjson.dumps(manifest).decode(),
                    "receipt": orjson.dumps(receipt).decode(),
                },
            )  # fmt: skip
        node = dataclasses.replace(
            Authz.system_user(), user=f"node:{header.sender}", agency=header.sender
        )
        sender = Caller(node, str(manifest.get("purpose") or "") or None, VIA_NODE)
        audit(
            self.store, sender, Event.RECEIVE, f"package/{header.package_id}",
            detail={"kind": header.kind, "sequence": header.sequence, "counts": counts,
                    "rfi": header.rfi_id},
        )  # fmt: skip
        return self.sign_receipt(receipt)

    def sign_receipt(self, receipt: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "receipt": dict(receipt),
            "signature": b64(self.identity.sign(receipt_bytes(receipt))),
        }


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
