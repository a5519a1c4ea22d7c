"""Requests for information: a node asks a partner about a person, vehicle, phone or account;
the partner answers with a package (through the agreement's policy) or declines with a reason.
Status, elapsed time and overdue flags are derived from the packages each side holds."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from corridor.access.caller import Caller
from corridor.access.roles import Action
from corridor.audit import Event, audit
from corridor.errors import Conflict, Forbidden, NotFound, ValidationError
from corridor.model.classification import highest
from corridor.model.scope import ReadScope
from corridor.share.core import RELATED_HOPS, SharingCore
from corridor.share.policy import check_terms
from corridor.share.rows import rfi_row

SUBJECT_KINDS = frozenset({"person", "vehicle", "phone", "account"})


class Requests(SharingCore):
    def ask(
        self, caller: Caller, partner: str, subject_kind: str, subject: str, question: str,
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
        now = self.clock()
        # A request names a person, vehicle, phone or account: it goes under the same terms.
        check_terms(self.agreement(partner), purpose, now.date())
        rfi = {
            "id": f"rfi-{uuid.uuid4().hex[:12]}", "subject_kind": subject_kind,
            "subject": subject.strip(), "question": question.strip(), "purpose": purpose,
            "requested_by": caller.user, "created_at": now.isoformat(),
            "due_at": (now + timedelta(days=due_days)).isoformat(),
        }  # fmt: skip
        self.store.add_request(rfi_row(rfi, "out", partner))
        audit(
            self.store,
            caller.stating(purpose),
            Event.REQUEST,
            f"rfis/{rfi['id']}",
            detail={"partner": partner, "subject_kind": subject_kind, "subject": subject},
        )
        sent = self._send(
            caller,
            record,
            "rfi",
            {"rfi": rfi},
            {"rfi": rfi["id"]},
            {},
            [],
            purpose,
            rfi["id"],
            True,
        )
        return {**self.rfi(rfi["id"]), "delivery": sent.to_dict()}

    def rfis(self, direction: str | None = None, rfi_id: str | None = None) -> list[dict[str, Any]]:
        """Requests (of one direction, or one id) with their status: a query per direction for
        the replies, not one per request."""
        rows = self.store.rfi_rows(direction, rfi_id)
        replies = {d: self.store.rfi_replies(d, rfi_id) for d in {r["direction"] for r in rows}}
        now = self.clock()
        return [_rfi_status(r, replies[r["direction"]].get(r["id"]), now) for r in rows]

    def requests_seen(self, caller: Caller, direction: str | None = None) -> list[dict[str, Any]]:
        """The requests as a user sees them (logged: requests name the people, vehicles, phones
        and accounts they are about)."""
        found = self.rfis(direction)
        audit(self.store, caller, Event.READ, "rfis",
              {"direction": direction, "ids": [r["id"] for r in found]})  # fmt: skip
        return found

    def rfi(self, rfi_id: str, direction: str | None = None) -> dict[str, Any]:
        found = self.rfis(direction, rfi_id)
        if not found:
            raise NotFound(f"no request for information {rfi_id!r}")
        return found[0]

    def answer(
        self, caller: Caller, rfi_id: str, entity_ids: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Answer a partner's request with a package (by default: the entities the subject
        matches here, and what they are linked to).

        An answer carries only what the request asked about: the entities its subject matches
        and those `RELATED_HOPS` relationships from them. The entities to send may be chosen
        among those; anything else is sharing on one's own initiative, which needs the right to
        share (`Action.SHARE`): without it the answer is refused, naming what is not asked."""
        rfi = self._open_incoming(rfi_id)
        subject = self.match_subject(rfi, caller.scope)
        ids = list(dict.fromkeys(entity_ids)) if entity_ids else subject
        if not ids:
            raise NotFound(f"nothing here matches {rfi['subject']!r}: decline with a reason")
        hops = RELATED_HOPS
        if entity_ids and not caller.authz.can(Action.SHARE):
            asked = set(self.related(subject, caller.scope, RELATED_HOPS))
            beyond = [i for i in ids if i not in asked]
            if beyond:
                raise Forbidden(
                    f"{len(beyond)} of the entities chosen ({', '.join(beyond[:5])}"
                    f"{', …' if len(beyond) > 5 else ''}) are not what request {rfi_id} asks "
                    f"about ({rfi['subject_kind']} {rfi['subject']!r} and what it is linked "
                    "to): sending them needs the right to share"
                )
            # What the chosen entities are linked to, within what the request asks about.
            ids = [i for i in self.related(ids, caller.scope, RELATED_HOPS) if i in asked]
            hops = 0
        rows = self.store.statement_rows(ids, caller.scope)
        self._decided(caller, rfi, highest(r["classification"] for r in rows), decision="answer",
                      entities=ids[:100])  # fmt: skip
        sent = self.share(caller, rfi["partner"], ids, rfi["purpose"], hops=hops, rfi_id=rfi_id)
        return {**self.rfi(rfi_id, "in"), "delivery": sent.to_dict()}

    def decline(self, caller: Caller, rfi_id: str, reason: str) -> dict[str, Any]:
        if not reason.strip():
            raise ValidationError("a declined request needs a reason", "reason")
        rfi = self._open_incoming(rfi_id)
        record = self.partner(rfi["partner"])
        self._decided(caller, rfi, decision="decline", reason=reason.strip())
        sent = self._send(
            caller, record, "rfi-decline", {"reason": reason.strip()}, {"reason": reason.strip()},
            {}, [], rfi["purpose"], rfi_id, True,
        )  # fmt: skip
        return {**self.rfi(rfi_id, "in"), "delivery": sent.to_dict()}

    def _decided(
        self, caller: Caller, rfi: Mapping[str, Any], classification: int | None = None,
        **detail: Any,
    ) -> None:  # fmt: skip
        audit(self.store, caller.stating(rfi["purpose"]), Event.DECIDE, f"rfis/{rfi['id']}",
              detail=detail, classification=classification)  # fmt: skip

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


def _rfi_status(
    row: Mapping[str, Any], reply: Mapping[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """Status comes from what was sent or received for the request (`reply`: the latest such
    package), never stored apart from it, so it cannot disagree with the packages."""
    out = dict(row)
    out.update(status="open", closed_at=None, package_id=None, reason=None, closed_by=None)
    if reply is not None:
        manifest = orjson.loads(reply["manifest"])
        out["status"] = "declined" if reply["kind"] == "rfi-decline" else "answered"
        out["closed_at"] = reply["received_at" if row["direction"] == "out" else "created_at"]
        out["package_id"] = reply["package_id"]
        out["reason"] = manifest.get("reason")
        out["closed_by"] = reply.get("sent_by") or reply.get("sender")
        if out["status"] == "answered":
            out["answer"] = {k: manifest.get(k) for k in ("entities", "statements", "observations")}
    end = out["closed_at"] or now
    out["elapsed_hours"] = round((end - row["created_at"]).total_seconds() / 3600, 1)
    out["overdue"] = out["status"] == "open" and now > row["due_at"]
    return out
