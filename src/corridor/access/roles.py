"""Roles and what each may do: the one table every route and command is checked against."""

from __future__ import annotations

from enum import StrEnum

from corridor.errors import ValidationError


class Role(StrEnum):
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    SHARING_OFFICER = "sharing_officer"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @classmethod
    def parse(cls, value: str) -> Role:
        text = value.strip().lower().replace("-", "_").replace(" ", "_")
        for member in cls:
            if member.value == text:
                return member
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(f"unknown role {value!r} (expected {allowed})", "role")


class Action(StrEnum):
    READ = "read"  # personal data: entities, search, observations, exports
    INGEST = "ingest"  # write data for one's own agency
    STATS = "stats"  # aggregate counts and statistics, no personal data
    JUDGE = "judge"  # say whether two records are the same entity, decide screening alerts
    SCREEN = "screen"  # match names against the sanctions lists and watchlists
    RESOLVE = "resolve"  # run entity resolution over the whole store
    MANAGE_USERS = "manage_users"
    REQUEST = "request"  # ask a partner for information (a request for information)
    ANSWER = "answer"  # answer a partner's request with a package (under the agreement), or decline
    SHARE = "share"  # send to partners: packages, answers to requests, agreements, consents
    AUDIT = "audit"  # read, export and verify the audit log


#: Least privilege: auditors and admins see aggregates, not intelligence records; only sharing
#: officers send packages on their own initiative and set agreements and consents, while
#: analysts and supervisors may answer a partner's request (the agreement's policy filters every
#: answer as it does every package); only auditors read the audit log.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ANALYST: frozenset(
        {
            Action.READ,
            Action.INGEST,
            Action.STATS,
            Action.JUDGE,
            Action.SCREEN,
            Action.REQUEST,
            Action.ANSWER,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Action.READ,
            Action.INGEST,
            Action.STATS,
            Action.JUDGE,
            Action.RESOLVE,
            Action.SCREEN,
            Action.REQUEST,
            Action.ANSWER,
        }
    ),
    Role.SHARING_OFFICER: frozenset(
        {Action.READ, Action.STATS, Action.SCREEN, Action.REQUEST, Action.ANSWER, Action.SHARE}
    ),
    Role.AUDITOR: frozenset({Action.STATS, Action.AUDIT}),
    Role.ADMIN: frozenset({Action.MANAGE_USERS, Action.INGEST, Action.STATS, Action.RESOLVE}),
}
