"""The routes groups are walked along: each network's corridor as steps (stay in a town, cross a
border, drive a watched road, leave the Balkans by one of two crossings).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step of a journey: stay, transit, cross a border or drive a watched road."""

    kind: str  # stay, transit, cross, drive, exit
    place: str = ""
    days: tuple[int, int] = (0, 0)
    crossing: str = ""
    mode: str = "foot"
    road: str = ""
    to_place: str = ""
    options: tuple[tuple[str, str], ...] = ()


def _stay(place: str, lo: int, hi: int) -> Step:
    return Step("stay", place=place, days=(lo, hi))


def _cross(crossing: str, mode: str = "foot") -> Step:
    return Step("cross", crossing=crossing, mode=mode)


def _drive(road: str, a: str, b: str) -> Step:
    return Step("drive", road=road, place=a, to_place=b)


CORRIDORS: dict[str, tuple[Step, ...]] = {
    "south-hu": (
        _stay("thessaloniki", 2, 10),
        _cross("GR-MK-EVZONI"),
        _stay("kumanovo", 1, 3),
        _cross("MK-RS-TABANOVCE"),
        _stay("presevo", 1, 4),
        _drive("A1", "presevo", "belgrade"),
        _stay("belgrade", 2, 10),
        _drive("A1", "belgrade", "subotica"),
        _stay("subotica", 1, 4),
        Step("exit", options=(("RS-HU-HORGOS", "vehicle"), ("RS-HU-KANJIZA", "foot"))),
    ),
    "bulgaria-hu": (
        _stay("sofia", 2, 8),
        _cross("BG-RS-GRADINA"),
        _stay("dimitrovgrad", 1, 3),
        _drive("A4", "dimitrovgrad", "nis"),
        _drive("A1", "nis", "belgrade"),
        _stay("belgrade", 2, 8),
        _drive("A1", "belgrade", "subotica"),
        _stay("subotica", 1, 4),
        Step("exit", options=(("RS-HU-KANJIZA", "foot"), ("RS-HU-HORGOS", "vehicle"))),
    ),
    "south-hr": (
        _stay("thessaloniki", 2, 8),
        _cross("GR-MK-EVZONI"),
        _stay("kumanovo", 1, 3),
        _cross("MK-RS-TABANOVCE"),
        _stay("presevo", 1, 3),
        _drive("A1", "presevo", "belgrade"),
        _stay("belgrade", 2, 8),
        _drive("A3", "belgrade", "sid"),
        _stay("sid", 1, 4),
        Step("exit", options=(("RS-HR-SID", "foot"), ("RS-HR-BATROVCI", "vehicle"))),
    ),
    "drina-ba": (
        _stay("sofia", 2, 8),
        _cross("BG-RS-GRADINA"),
        _stay("pirot", 1, 3),
        _drive("A4", "dimitrovgrad", "nis"),
        _drive("A1", "nis", "belgrade"),
        _stay("belgrade", 2, 6),
        _stay("loznica", 1, 3),
        _cross("RS-BA-ZVORNIK"),
        _stay("sarajevo", 2, 6),
        _stay("bihac", 3, 15),
        _cross("BA-HR-VELIKA-KLADUSA"),
    ),
    "coastal": (
        _stay("tirana", 2, 8),
        _cross("AL-ME-HANI-I-HOTIT"),
        _stay("podgorica", 1, 4),
        _cross("ME-BA-PLUZINE"),
        _stay("sarajevo", 2, 6),
        _stay("bihac", 3, 15),
        _cross("BA-HR-VELIKA-KLADUSA"),
    ),
}

#: Official crossings at the end of a watched motorway: (road, crossing site).
CROSSING_ON_ROAD = {"RS-HU-HORGOS": ("A1", "horgos"), "RS-HR-BATROVCI": ("A3", "batrovci")}
