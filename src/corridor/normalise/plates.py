"""Vehicle registration marks (VRMs) as comparable keys.

A plate is written `BG 123-AB` in Belgrade, read `BG123AB` by a Hungarian ANPR camera and typed
`бг 123 аб` into a Cyrillic form. The key is upper case, ASCII-folded (Š → S, as foreign cameras
read it), with Cyrillic look-alike letters mapped to Latin and separators removed. Plate layouts
are national conventions no maintained library covers, so this small table lives here.
"""

from __future__ import annotations

import re

from normality import ascii_text

# Serbian and Macedonian plates use the Latin letters that have Cyrillic look-alikes; a Cyrillic
# form's letters map to the Latin letter the plate shows.
_CYRILLIC_LOOKALIKES = str.maketrans(
    {
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ј": "J", "І": "I",
        "Б": "B", "Г": "G", "Д": "D", "Ђ": "DJ", "Ж": "Z", "З": "Z", "И": "I", "Л": "L",
        "Љ": "LJ", "Њ": "NJ", "П": "P", "Ћ": "C", "Ф": "F", "Ц": "C", "Ч": "C", "Џ": "DZ",
        "Ш": "S",
    }
)  # fmt: skip
# Greek plates use only the Greek capitals that look Latin (ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ).
_GREEK_LOOKALIKES = str.maketrans(
    {
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_SEPARATORS = str.maketrans("", "", " -.·/_")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def normalise_plate(raw: str) -> str:
    """Return the comparable key of a plate, or '' when nothing plate-like remains."""
    text = str(raw).upper().translate(_SEPARATORS)
    if text.isascii() and text.isalnum():
        return text  # the common case, kept fast: ANPR feeds call this a million times
    text = text.translate(_CYRILLIC_LOOKALIKES).translate(_GREEK_LOOKALIKES)
    if not text.isascii():
        text = (ascii_text(text) or "").upper()
    return _NOT_ALNUM.sub("", text)


#: Characters ANPR cameras read one for another (the segments and strokes they share): each
#: group is written as its first. Two reads of one plate by two cameras have one skeleton
#: even where one camera misread a character (CA2948PB read CA29A8PB, J46T681 read J467681);
#: a skeleton joins reads, never records (two plates apart by one of these are rare, and
#: joining them only ever treats them as one vehicle). One table: `plate_skeleton` and the SQL
#: `translate` analyses run (`SKELETON_FROM`, `SKELETON_TO`) are both made from it.
OCR_CONFUSIONS = ("0ODQ", "1IL", "2Z", "5S", "8B3", "4A", "6G", "7T")
SKELETON_FROM = "".join(group[1:] for group in OCR_CONFUSIONS)
SKELETON_TO = "".join(group[0] * (len(group) - 1) for group in OCR_CONFUSIONS)
_SKELETON = str.maketrans(SKELETON_FROM, SKELETON_TO)


def plate_skeleton(key: str) -> str:
    """A plate key with the characters cameras confuse written one way (`OCR_CONFUSIONS`)."""
    return key.translate(_SKELETON)
