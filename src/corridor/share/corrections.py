"""Corrections and recall: when the originator corrects or deletes a record it shared, the
change reaches every partner that received it (the ledger of what went where says which)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from followthemoney.statement import Statement

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import Forbidden, NotFound, ValidationError
from corridor.share.core import Selection, Sent, SharingCore
from corridor.share.policy import Release
from corridor.share.rows import portable
from corridor.store.records import IngestInfo


class Corrections(SharingCore):
    def correct(
        self, caller: Caller, statement_id: str, new_value: str | None, reason: str
    ) -> dict[str, Any]:
        """Correct (or, with no new value, delete) one of this node's own statements, here
        and at every partner that received it."""
        if not reason.strip():
            raise ValidationError("say why the record is corrected", "reason")
        rows = self.store.statements_by_id([statement_id], caller.scope)
        if not rows:
            raise NotFound(f"no statement {statement_id!r}")
        old = rows[0]
        if old["agency"] != self.agency:
            raise Forbidden(f"only the originator ({old['agency']}) may correct this record")
        caller.authz.require_agency(self.agency)
        new: dict[str, Any] | None = None
        if new_value is not None:
            if not new_value.strip():
                raise ValidationError("the corrected value is empty", "value")
            key = Statement.make_key(
                old["dataset"], old["entity_id"], old["prop"], new_value, False
            )
            new_id = hashlib.sha1(f"{key}\x1fcorrects\x1f{statement_id}".encode()).hexdigest()
            new = {**portable(old), "value": new_value, "original_value": None, "id": new_id}
        info = IngestInfo(
            id=f"correction-{uuid.uuid4()}", path=f"correction of {statement_id}: {reason}",
            kind="correction", sha256=hashlib.sha256(reason.encode()).hexdigest(),
            started_at=self.clock(), agency=self.agency, user_name=caller.user,
        )  # fmt: skip
        with self.store.writer(info) as writer:
            writer.retract([statement_id])
            if new is not None:
                writer.add_statements([new])
        audit(
            self.store,
            caller,
            Event.WRITE,
            f"statements/{statement_id}",
            detail={"correction": reason, "deleted": new is None},
        )
        sent = [
            self._propagate(caller, partner, held, purpose, [new] if new else [], reason)
            for partner, (held, purpose) in self.store.recipients([statement_id]).items()
        ]
        return {
            "retracted": statement_id,
            "statement": new,
            "partners": [s.to_dict() for s in sent],
        }

    def recall(self, caller: Caller, entity_id: str, reason: str) -> dict[str, Any]:
        """Delete this node's own statements about an entity, here and at every partner."""
        if not reason.strip():
            raise ValidationError("say why the record is recalled", "reason")
        caller.authz.require_agency(self.agency)
        rows = [r for r in self.store.statement_rows([entity_id], caller.scope)
                if r["agency"] == self.agency]  # fmt: skip
        if not rows:
            raise NotFound(f"this node holds no statements of its own about {entity_id!r}")
        ids = [str(r["id"]) for r in rows]
        info = IngestInfo(
            id=f"recall-{uuid.uuid4()}", path=f"recall of {entity_id}: {reason}", kind="recall",
            sha256=hashlib.sha256(reason.encode()).hexdigest(), started_at=self.clock(),
            agency=self.agency, user_name=caller.user,
        )  # fmt: skip
        with self.store.writer(info) as writer:
            deleted = writer.retract(ids)
        audit(
            self.store,
            caller,
            Event.WRITE,
            f"entities/{entity_id}",
            detail={"recall": reason, "deleted": deleted},
        )
        sent = [
            self._propagate(caller, partner, held, purpose, [], reason)
            for partner, (held, purpose) in self.store.recipients(ids).items()
        ]
        return {"entity_id": entity_id, "deleted": deleted, "partners": [s.to_dict() for s in sent]}

    def _propagate(
        self, caller: Caller, partner: str, retract: Sequence[str], purpose: str | None,
        new: list[dict[str, Any]], reason: str,
    ) -> Sent:  # fmt: skip
        """Send a partner the retraction of the items it received (`retract`) and any new
        value, under the purpose the items were sent for (the agreement's first, if none)."""
        record = self.partner(partner)
        agreement = self.agreement(partner)
        purpose = purpose or sorted(agreement.purposes)[0]
        released = Release()
        if new:
            selection = Selection(statements=new, context=new)
            try:
                released = self.release(partner, purpose, selection)
            except Forbidden:
                released = Release()  # the agreement no longer lets the new value go
        return self._send_release(
            caller, record, agreement, purpose, released, None, True, retract, reason
        )
