"""Normalisers shared by ingestion, search, entity resolution and screening (one implementation)."""

from corridor.normalise.dates import (
    PartialDate,
    agree,
    month_day_transposed,
    parse_partial_date,
    same_year,
    years_apart,
)
from corridor.normalise.names import NameRoles, ParsedName, name_keys, parse_name
from corridor.normalise.nicknames import given_name_variants
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate
from corridor.normalise.spelling import name_key, name_tokens

__all__ = [
    "NameRoles",
    "ParsedName",
    "PartialDate",
    "agree",
    "given_name_variants",
    "month_day_transposed",
    "name_key",
    "name_keys",
    "name_tokens",
    "normalise_phone",
    "normalise_plate",
    "parse_name",
    "parse_partial_date",
    "same_year",
    "years_apart",
]
