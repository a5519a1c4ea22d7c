"""Burner churn: a new phone that takes over an old one's contacts is taken to be the same user.

People who fear interception change SIM cards every few weeks; their contacts stay. So when a
number goes quiet and, soon after, another number starts calling the same people, the second
is likely the first's successor. A succession (old → new) is proposed when:

- the new number's first call is after the old one's last, at most `max_gap_days` later;
- they share at least `min_shared` contacts (the people, or numbers where nobody is known,
  they called or were called by);
- the overlap coefficient |shared| / min(|old's contacts|, |new's contacts|) is at least
  `min_overlap`;
- both numbers have the same country calling code (a new SIM is bought where one lives).

Known users of the two numbers are reported beside it; where they differ, the records may be
one person the agencies have not tied together, which the network then links (inferred).

Its score is the overlap coefficient times how soon the new number started
(1 − gap / (max_gap + 1)); each number has at most one successor and one predecessor, the
best-scored first. Only calls the reader may read go in, so a succession never rests on what
they may not see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers

from corridor.model.classification import Classification

#: Defaults: two shared contacts, half of the smaller contact list, a month's gap at most.
MIN_SHARED = 2
MIN_OVERLAP = 0.5
MAX_GAP_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class CallEnd:
    """One call seen from one of its numbers: when, the record, the other side's contact key
    (a node id, else `phone:NUMBER`) and the call's classification."""

    at: datetime
    record_id: str
    number: str
    contact: str
    classification: int


@dataclass(slots=True)
class PhoneUse:
    """What the calls show of one number: when it was active and whom it called."""

    number: str
    first: datetime
    last: datetime
    #: Contact key → the call records with them.
    contacts: dict[str, list[str]] = field(default_factory=dict)
    classification: dict[str, int] = field(default_factory=dict)  # record id → class


@dataclass(frozen=True, slots=True)
class Succession:
    """Phone `new_phone` took over `old_phone`'s contacts: likely the same user."""

    old_phone: str
    new_phone: str
    score: float
    shared: tuple[str, ...]
    old_last: datetime
    new_first: datetime
    #: The calls with the shared contacts, from both numbers: what the succession rests on.
    record_ids: tuple[str, ...]
    classification: int
    old_users: tuple[str, ...] = ()
    new_users: tuple[str, ...] = ()

    @property
    def gap_days(self) -> float:
        return (self.new_first - self.old_last).total_seconds() / 86400

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_phone": self.old_phone,
            "new_phone": self.new_phone,
            "score": round(self.score, 6),
            "shared_contacts": list(self.shared),
            "gap_days": round(self.gap_days, 2),
            "old_last_call": self.old_last.isoformat(),
            "new_first_call": self.new_first.isoformat(),
            "old_users": list(self.old_users),
            "new_users": list(self.new_users),
            "record_ids": list(self.record_ids),
            "classification": Classification(self.classification).label,
        }


def phone_uses(ends: Iterable[CallEnd]) -> dict[str, PhoneUse]:
    """Each number's first and last call and its contacts."""
    out: dict[str, PhoneUse] = {}
    for e in ends:
        use = out.get(e.number)
        if use is None:
            use = out[e.number] = PhoneUse(e.number, e.at, e.at)
        use.first, use.last = min(use.first, e.at), max(use.last, e.at)
        if e.contact != f"phone:{e.number}":
            use.contacts.setdefault(e.contact, []).append(e.record_id)
        use.classification[e.record_id] = e.classification
    return out


def successions(
    uses: Mapping[str, PhoneUse],
    users: Mapping[str, Iterable[str]] | None = None,
    min_shared: int = MIN_SHARED,
    min_overlap: float = MIN_OVERLAP,
    max_gap_days: float = MAX_GAP_DAYS,
) -> list[Succession]:
    """Old → new phone successions, best first (see the module's rules); `users` names the
    known users of numbers, reported beside each succession."""
    users = users or {}
    holders: dict[str, set[str]] = defaultdict(set)
    for number, use in uses.items():
        for contact in use.contacts:
            holders[contact].add(number)
    pairs: set[tuple[str, str]] = set()
    for numbers in holders.values():
        for a in numbers:
            for b in numbers:
                gap = (uses[b].first - uses[a].last).total_seconds() / 86400
                if a != b and 0 < gap <= max_gap_days:
                    pairs.add((a, b))
    found = []
    for a, b in sorted(pairs):
        old, new = uses[a], uses[b]
        if _country(a) != _country(b):
            continue
        shared = sorted(set(old.contacts) & set(new.contacts))
        if len(shared) < max(1, min_shared):
            continue
        overlap = len(shared) / min(len(old.contacts), len(new.contacts))
        if overlap < min_overlap:
            continue
        gap = (new.first - old.last).total_seconds() / 86400
        score = overlap * (1 - gap / (max_gap_days + 1))
        records = sorted({r for c in shared for u in (old, new) for r in u.contacts[c]})
        level = max(u.classification[r] for r in records for u in (old, new)
                    if r in u.classification)  # fmt: skip
        found.append(Succession(a, b, score, tuple(shared), old.last, new.first, tuple(records),
                                level, tuple(sorted(users.get(a, ()))),
                                tuple(sorted(users.get(b, ())))))  # fmt: skip
    found.sort(key=lambda s: (-s.score, s.old_phone, s.new_phone))
    taken_old: set[str] = set()
    taken_new: set[str] = set()
    chosen = []
    for s in found:
        if s.old_phone in taken_old or s.new_phone in taken_new:
            continue
        taken_old.add(s.old_phone)
        taken_new.add(s.new_phone)
        chosen.append(s)
    return chosen


def _country(number: str) -> int | None:
    """The calling code of an E.164 number (None where it cannot be read)."""
    try:
        return phonenumbers.parse(number).country_code
    except phonenumbers.NumberParseException:
        return None
