"""The authorisation object: answers "may I?" and builds the read filter from the same facts.

Every API route and CLI path gets one `Authz` (from an API key, or `Authz.system()` for an
operator at the console) and asks it; the store reads only through `authz.scope`, so a user never
sees, counts or exports a record above their clearance.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridor.access.roles import PERMISSIONS, Action, Role
from corridor.errors import Forbidden
from corridor.model.classification import Classification
from corridor.model.scope import ReadScope


@dataclass(frozen=True, slots=True)
class Authz:
    user: str
    role: Role
    agency: str | None
    clearance: Classification
    system: bool = False

    @classmethod
    def system_user(cls) -> Authz:
        """The operator running the command line on the node itself."""
        return cls("system", Role.ADMIN, None, Classification.TOP_SECRET, system=True)

    def can(self, action: Action) -> bool:
        return self.system or action in PERMISSIONS[self.role]

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise Forbidden(f"role {self.role.value!r} may not {action.value.replace('_', ' ')}")

    def require_agency(self, agency: str) -> None:
        """Users write only for their own agency."""
        if not self.system and agency != self.agency:
            raise Forbidden(f"user {self.user!r} of {self.agency} may not write for {agency}")

    @property
    def scope(self) -> ReadScope:
        return ReadScope(self.clearance)
