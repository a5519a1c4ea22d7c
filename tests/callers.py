"""Callers for tests that call the services directly: the console operator, and a reader with
any read scope (clearance and agencies), to check what a scope lets through."""

from __future__ import annotations

from dataclasses import dataclass

from corridor.access.authz import Authz
from corridor.access.caller import Caller
from corridor.model.scope import ReadScope


@dataclass(frozen=True, slots=True)
class ScopedCaller(Caller):
    seen: ReadScope = ReadScope()  # noqa: RUF009 - frozen: one shared default is safe

    @property
    def scope(self) -> ReadScope:
        return self.seen


def reading(scope: ReadScope, user: str = "reader") -> Caller:
    """An analyst who sees exactly `scope`."""
    authz = Authz(user, Authz.system_user().role, None, scope.max_classification)
    return ScopedCaller(authz, "a test", "api", scope)
