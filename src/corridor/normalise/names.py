"""Name keys for search: case-, accent- and script-insensitive.

`name_tokens` latinises any script (ICU transliteration via `normality`), folds case and accents
and splits into tokens, so `Мирослав Јовановић`, `JOVANOVIĆ Miroslav` and `Miroslav Jovanovic`
give the same tokens in any order. Abjad scripts (Arabic, Persian, Pashto) omit short vowels, so
each token also gets a consonant skeleton (`mohammed`, `muhamad` and `محمد` → `mhmd`) with the
Arabic article stripped and common spellings of one sound merged (`Darwish`/`Darviš`,
`Wayne`/`Вајне`); that keeps romanisation and transcription variants findable. Entity resolution and
screening build on these keys; they do their own, finer scoring.
"""

from __future__ import annotations

import re

from normality import ascii_text

# ICU's general transliteration drops the second letter of Serbian and Macedonian digraph
# letters (Љиљана → "Lilana") and folds Đ to D, where every romanised record — a British one
# included — writes Ljiljana and Djordje. These letters are mapped first, the rest is ICU's.
_SOUTH_SLAVIC = str.maketrans(
    {
        "Љ": "Lj", "љ": "lj", "Њ": "Nj", "њ": "nj", "Џ": "Dz", "џ": "dz", "Ђ": "Dj", "ђ": "dj",
        "Đ": "Dj", "đ": "dj", "Ѓ": "Gj", "ѓ": "gj", "Ќ": "Kj", "ќ": "kj", "Ѕ": "Dz", "ѕ": "dz",
    }
)  # fmt: skip
_SPLIT = re.compile(r"[^a-z0-9]+")
# Spellings of one sound across English, Serbian and Arabic romanisations (sh/š, w/v, dž/j, …).
_SOUNDS = (("sh", "s"), ("ch", "c"), ("kh", "h"), ("ph", "f"), ("th", "t"), ("dz", "j"),
           ("w", "v"), ("q", "k"), ("ck", "k"))  # fmt: skip
# Vowels, and the glides written y or j by one record and as a vowel by another (Layla/Laila).
_VOWELS = re.compile(r"[aeiouyj]+")
_DOUBLE = re.compile(r"(.)\1+")
_ARTICLES = ("al", "el", "ul")
_ABJAD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def name_tokens(name: str) -> list[str]:
    """Latin, lower-case, accent-free tokens of a name (in their written order)."""
    text = ascii_text(name.translate(_SOUTH_SLAVIC)) or ""
    return [tok for tok in _SPLIT.split(text.lower()) if tok]


def skeleton(token: str) -> str:
    """The consonant skeleton of a token: articles dropped, spellings of one sound merged,
    vowels, glides and doubled letters removed."""
    for article in _ARTICLES:
        if token.startswith(article) and len(token) > len(article) + 2:
            token = token[len(article) :]
            break
    for written, sound in _SOUNDS:
        token = token.replace(written, sound)
    bare = _VOWELS.sub("", token)
    bare = _DOUBLE.sub(r"\1", bare)
    return bare or token


def name_keys(name: str) -> list[tuple[str, str]]:
    """(token, skeleton) pairs of a name, skipping a standalone article.

    In an abjad (Arabic, Persian, Pashto, Urdu) و and ي also write the long vowels
    (محمود is Mahmood/Mahmud), so their transliterations w and y count as vowels there.
    """
    abjad = _ABJAD.search(name) is not None
    keys = []
    for tok in name_tokens(name):
        if tok in _ARTICLES:
            continue
        skel = skeleton(tok.replace("w", "u") if abjad else tok)
        keys.append((tok, skel))
    return keys
