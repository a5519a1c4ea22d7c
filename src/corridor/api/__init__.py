"""The HTTP API: an app factory, one router per resource, errors mapped once."""

from corridor.api.app import create_app

__all__ = ["create_app"]
