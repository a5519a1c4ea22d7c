"""The agreements kept in a node's store: each version recorded, the latest in force."""

from __future__ import annotations

from datetime import datetime

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.model.agreement import Agreement, parse_agreement
from corridor.store.base import Store


def save_agreement(store: Store, caller: Caller, agreement: Agreement, at: datetime) -> Agreement:
    """Record a new version of the agreement with its partner, set by `caller`; returns it
    numbered."""
    record = store.save_agreement(agreement.partner, agreement.to_dict(), caller.user, at)
    audit(store, caller, Event.ADMIN, f"agreements/{agreement.partner}",
          {"version": record.version})  # fmt: skip
    return parse_agreement(record.data, record.version)


def agreement_in_force(store: Store, partner: str) -> Agreement | None:
    """The agreement in force with a partner (its latest version), if any."""
    record = store.agreement(partner)
    return parse_agreement(record.data, record.version) if record is not None else None


def agreements_in_force(store: Store) -> list[Agreement]:
    """The agreement in force with each partner."""
    return [parse_agreement(r.data, r.version) for r in store.agreements()]
