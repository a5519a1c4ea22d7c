"""Vehicle registration plates as each country formats them, and how they get mangled.

Formats follow each country's current national scheme (see docs/scenario.md). A plate is kept
in its national written form (`BG 123-AB`); agencies then write it their own way (no spaces,
hyphens, Cyrillic look-alike letters typed on a Serbian keyboard) and cameras misread it.
"""

from __future__ import annotations

import functools
import random
import re
import string

from corridor.normalise.plates import normalise_plate


def _pool(words: str) -> list[str]:
    """A pool of names written as one space-separated string (easier to read and extend)."""
    return words.split()


# Serbian registration areas (Latin spelling, as on the plate).
_RS_CODES = _pool(
    "BG BG BG BG NS NS NI NI SU ŠI KG ČA ŠA VR LE PI SO KI ZR SM RU PA SD IN VA PO KV UE NP JA "
    "ĆU PN AL"
)
_MK_CODES = _pool("SK SK SK KU KU GE TE BT OH ST VE PP SR KO")
_HR_CODES = _pool("ZG ZG ST RI OS VU SB KA ZD DU PU")
_BG_CODES = _pool("CA CA CB PB B E X K H CT")  # Cyrillic look-alike letters only
_DE_CODES = _pool("M B F S K HH N")
_LATIN_PLATE = "ABCDEFGHJKLMNPRSTUVZ"  # letters Balkan plates use (no Q, W, X, Y, I, O)
_BA_LETTERS = "AEJKMOT"  # letters shared by the Latin and Cyrillic alphabets
_GR_LETTERS = "ABEZHIKMNOPTYX"  # Greek letters that look Latin
_BG_LETTERS = "ABEKMHOPCTYX"
_GB_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"

#: The format of a plate as written in its country, one regular expression per country.
PLATE_PATTERNS: dict[str, re.Pattern[str]] = {
    "RS": re.compile(r"^[A-ZČĆŠŽĐ]{2} \d{3,5}-[A-Z]{2}$"),
    "MK": re.compile(r"^[A-Z]{2} \d{4} [A-Z]{2}$"),
    "BA": re.compile(r"^[AEJKMOT]\d{2}-[AEJKMOT]-\d{3}$"),
    "HU": re.compile(r"^(?:[A-Z]{3}|[A-Z]{4})-\d{3}$"),
    "HR": re.compile(r"^[A-Z]{2} \d{3,4}-[A-Z]{1,2}$"),
    "GR": re.compile(r"^[ABEZHIKMNOPTYX]{3}-\d{4}$"),
    "GB": re.compile(r"^[A-Z]{2}\d{2} [A-Z]{3}$"),
    "BG": re.compile(r"^[ABEKMHOPCTYX]{1,2} \d{4} [ABEKMHOPCTYX]{2}$"),
    "AL": re.compile(r"^[A-Z]{2} \d{3} [A-Z]{2}$"),
    "TR": re.compile(r"^\d{2} [A-Z]{1,3} \d{2,4}$"),
    "DE": re.compile(r"^[A-Z]{1,3} [A-Z]{1,2} \d{1,4}$"),
}


def _letters(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def make_plate(country: str, rng: random.Random) -> str:
    """A random plate in the national written form of `country`."""
    if country == "RS":
        digits = _digits(rng, rng.choice((3, 3, 3, 4, 5)))
        return f"{rng.choice(_RS_CODES)} {digits}-{_letters(rng, _LATIN_PLATE, 2)}"
    if country == "MK":
        return f"{rng.choice(_MK_CODES)} {_digits(rng, 4)} {_letters(rng, _LATIN_PLATE, 2)}"
    if country == "BA":
        return (
            f"{rng.choice(_BA_LETTERS)}{_digits(rng, 2)}-{rng.choice(_BA_LETTERS)}-"
            f"{_digits(rng, 3)}"
        )
    if country == "HU":
        return f"{_letters(rng, _LATIN_PLATE, rng.choice((3, 4)))}-{_digits(rng, 3)}"
    if country == "HR":
        return (
            f"{rng.choice(_HR_CODES)} {_digits(rng, rng.choice((3, 4)))}-"
            f"{_letters(rng, _LATIN_PLATE, rng.choice((1, 2)))}"
        )
    if country == "GR":
        return f"{_letters(rng, _GR_LETTERS, 3)}-{_digits(rng, 4)}"
    if country == "GB":
        age = rng.choice(("19", "69", "20", "70", "21", "71", "22", "72", "23", "73", "24"))
        return f"{_letters(rng, _GB_LETTERS, 2)}{age} {_letters(rng, _GB_LETTERS, 3)}"
    if country == "BG":
        return f"{rng.choice(_BG_CODES)} {_digits(rng, 4)} {_letters(rng, _BG_LETTERS, 2)}"
    if country == "AL":
        return (
            f"{_letters(rng, _LATIN_PLATE, 2)} {_digits(rng, 3)} {_letters(rng, _LATIN_PLATE, 2)}"
        )
    if country == "TR":
        province = f"{rng.randint(1, 81):02d}"
        n_letters = rng.choice((1, 2, 3))
        n_digits = {1: 4, 2: rng.choice((3, 4)), 3: rng.choice((2, 3))}[n_letters]
        return f"{province} {_letters(rng, _LATIN_PLATE, n_letters)} {_digits(rng, n_digits)}"
    if country == "DE":
        return (
            f"{rng.choice(_DE_CODES)} {_letters(rng, _LATIN_PLATE, rng.choice((1, 2)))} "
            f"{rng.randint(1, 9999)}"
        )
    raise ValueError(f"no plate format for {country}")


# Latin letters and their Cyrillic look-alikes (what a Serbian keyboard in Cyrillic mode types).
_LATIN_TO_CYRILLIC = dict(zip("ABCEHJKMOPTXY", "АВСЕНЈКМОРТХУ", strict=True))


def with_cyrillic_lookalikes(plate: str) -> str:
    """The plate as typed with the keyboard in Cyrillic mode: look-alike letters go Cyrillic."""
    return "".join(_LATIN_TO_CYRILLIC.get(ch, ch) for ch in plate)


def written_variant(plate: str, rng: random.Random) -> str:
    """One of the ways a clerk writes a plate: as issued, run together, hyphenated, lower case."""
    choice = rng.random()
    if choice < 0.55:
        return plate
    if choice < 0.75:
        return plate.replace(" ", "").replace("-", "")
    if choice < 0.9:
        return plate.replace(" ", "-")
    if choice < 0.97:
        return plate.replace("-", " ")
    return plate.lower()


@functools.lru_cache(maxsize=1 << 17)
def camera_vrm(plate: str) -> str:
    """What an ANPR camera reports for a plate: the project's plate key (no gaps, Latin, ASCII)."""
    return normalise_plate(plate)


_CONFUSIONS = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "8": "B",
    "B": "8",
    "5": "S",
    "S": "5",
    "2": "Z",
    "Z": "2",
    "D": "0",
    "6": "G",
    "G": "6",
    "M": "N",
    "N": "M",
    "H": "M",
    "U": "V",
    "V": "U",
    "C": "G",
    "E": "F",
    "F": "E",
    "K": "X",
    "X": "K",
    "A": "4",
    "4": "A",
    "7": "T",
    "T": "7",
    "3": "8",
    "J": "1",
    "L": "1",
    "P": "R",
    "R": "P",
    "W": "V",
    "Y": "V",
    "9": "8",
}


def misread(vrm: str, rng: random.Random) -> str:
    """A camera misread: one character swapped for one it is commonly confused with."""
    positions = [i for i, ch in enumerate(vrm) if ch in _CONFUSIONS]
    if not positions:
        return vrm
    i = rng.choice(positions)
    return vrm[:i] + _CONFUSIONS[vrm[i]] + vrm[i + 1 :]
