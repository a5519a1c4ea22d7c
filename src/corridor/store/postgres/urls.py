"""PostgreSQL store locations: a URL and the schema in it (`?schema=`). Apart from the store
itself, so that naming a location does not load the database driver: a DuckDB node never does."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from corridor.errors import ValidationError

#: The schema a URL without `?schema=` uses.
DEFAULT_SCHEMA = "public"
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def split_url(url: str) -> tuple[str, str]:
    """The connection URL for libpq, and the schema (from `?schema=`, else `public`)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA)
    if not _SCHEMA.match(schema):
        raise ValidationError(
            f"schema {schema!r} must be lower-case letters, digits and _ (at most 63)", "store"
        )
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


def with_schema(url: str, schema: str) -> str:
    """The URL of another store in the same database (its schema `schema`)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "schema"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("schema", schema)])))


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
