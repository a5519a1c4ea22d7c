"""One exception tree for Corridor, mapped to HTTP status codes once, in `corridor.api.errors`.

Services raise these; the API and CLI translate them at the edge. Nothing else should leak out of
a request as a 500.
"""

from __future__ import annotations

from pathlib import Path


class CorridorError(Exception):
    """Base of every error Corridor raises on purpose."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"error": type(self).__name__, "message": self.message}


class ValidationError(CorridorError):
    """A value does not meet the rules (a grade, a code, a date, a field)."""

    status_code = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        if self.field is not None:
            data["field"] = self.field
        return data


class InputError(ValidationError):
    """Bad input in a file: names the file, the line (or, in JSON, the item) and the field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        item: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.item = item
        self.detail = message
        where = []
        if self.file is not None:
            where.append(self.file)
        if line is not None:
            where.append(f"line {line}")
        if item is not None:
            where.append(item)
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, field=field)

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data.update({"file": self.file, "line": self.line, "item": self.item})
        return data


class NotFound(CorridorError):
    """The thing asked for does not exist (or the caller may not know that it does)."""

    status_code = 404


class Conflict(CorridorError):
    """The request clashes with the current state (e.g. a user name already taken)."""

    status_code = 409


class StoreBusy(Conflict):
    """The store is held by another process (DuckDB allows one writer process)."""


class Unauthenticated(CorridorError):
    """No valid credentials were presented."""

    status_code = 401


class Forbidden(CorridorError):
    """Valid credentials, but the role or clearance does not allow this."""

    status_code = 403


class ForbiddenInput(InputError, Forbidden):
    """A row of a file the caller may not write: owned by another agency, or classified above
    their clearance. Names the file, line and field like any bad input, and is a refusal (403)."""

    status_code = 403


class PackageRefused(CorridorError):
    """A package (or message) from a partner node is refused; nothing of it is imported.

    `reason` is a short code (malformed, wrong_recipient, unknown_sender, wrong_key, tampered,
    expired, undecryptable, replayed, not_permitted) a sending node can act on."""

    status_code = 422

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"package refused ({reason}): {message}")
        self.reason = reason
        if reason == "replayed":
            self.status_code = 409

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "reason": self.reason}
