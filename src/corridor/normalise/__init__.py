"""Normalisers shared by ingestion, search, entity resolution and screening (one implementation)."""

from corridor.normalise.names import name_keys, name_tokens
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate

__all__ = ["name_keys", "name_tokens", "normalise_phone", "normalise_plate"]
