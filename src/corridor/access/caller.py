"""Who is asking, why, and through what: what every service that reads or changes personal data
takes, so that it can check the caller's rights and write the audit entry itself (the Law
Enforcement Directive, Art. 25, asks for every consultation to be logged, whatever the door).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from corridor.access.authz import Authz
from corridor.model.scope import ReadScope

#: How a caller reached the node (recorded with each of its audit entries).
VIA_API = "api"
VIA_CLI = "cli"
VIA_NODE = "node"  # a partner node, through the sharing inbox
VIA_DEMO = "demo"


@dataclass(frozen=True, slots=True)
class Caller:
    authz: Authz
    purpose: str | None = None
    via: str = VIA_API

    @classmethod
    def operator(cls, purpose: str | None = None, via: str = VIA_CLI) -> Caller:
        """The operator at the node's console (the command line, the demo)."""
        return cls(Authz.system_user(), _clean(purpose), via)

    @classmethod
    def api(cls, authz: Authz, purpose: str | None) -> Caller:
        return cls(authz, _clean(purpose), VIA_API)

    def stating(self, purpose: str | None) -> Caller:
        """The same caller for an act with a purpose of its own (a package shared under the
        agreement's purpose, a request answered for the purpose it was asked for)."""
        return replace(self, purpose=_clean(purpose) or self.purpose)

    @property
    def user(self) -> str:
        return self.authz.user

    @property
    def scope(self) -> ReadScope:
        return self.authz.scope


def _clean(purpose: str | None) -> str | None:
    return purpose.strip() or None if purpose is not None else None
