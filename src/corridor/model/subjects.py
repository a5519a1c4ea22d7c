"""Subject keys: how an entity is linked to sensor observations (plates and phones).

Observations are not entities; they carry keys. An entity's keys are its plates (a vehicle's
registration number) and its phones (any phone-typed property), normalised the same way the
readers normalise observation fields, so the two always meet.
"""

from __future__ import annotations

from dataclasses import dataclass

from followthemoney.proxy import EntityProxy
from followthemoney.types import registry

from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate

#: Properties that hold a plate (FtM types them as plain identifiers).
PLATE_PROPERTIES = {"registrationNumber"}
PLATE_SCHEMATA = ("Vehicle",)


@dataclass(frozen=True, slots=True)
class SubjectKeys:
    plates: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.plates or self.phones)


def subject_keys(entity: EntityProxy) -> SubjectKeys:
    plates: set[str] = set()
    if any(entity.schema.is_a(name) for name in PLATE_SCHEMATA):
        for prop in PLATE_PROPERTIES:
            for value in entity.get(prop, quiet=True):
                key = normalise_plate(value)
                if key:
                    plates.add(key)
    phones = {e164 for v in entity.get_type_values(registry.phone) if (e164 := normalise_phone(v))}
    return SubjectKeys(tuple(sorted(plates)), tuple(sorted(phones)))
