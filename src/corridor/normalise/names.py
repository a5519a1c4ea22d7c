"""Name keys for search: case-, accent- and script-insensitive.

`name_tokens` latinises any script (ICU transliteration via `normality`), folds case and accents
and splits into tokens, so `Мирослав Јовановић`, `JOVANOVIĆ Miroslav` and `Miroslav Jovanovic`
give the same tokens in any order. Abjad scripts (Arabic, Persian, Pashto) omit short vowels, so
each token also gets a consonant skeleton (`mohammed`, `muhamad` and `محمد` → `mhmd`) with the
Arabic article stripped; that keeps romanisation variants findable. Entity resolution and
screening build on these keys; they do their own, finer scoring.
"""

from __future__ import annotations

import re

from normality import ascii_text

_SPLIT = re.compile(r"[^a-z0-9]+")
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLE = re.compile(r"(.)\1+")
_ARTICLES = ("al", "el", "ul")


def name_tokens(name: str) -> list[str]:
    """Latin, lower-case, accent-free tokens of a name (in their written order)."""
    text = ascii_text(name) or ""
    return [tok for tok in _SPLIT.split(text.lower()) if tok]


def skeleton(token: str) -> str:
    """The consonant skeleton of a token: articles dropped, vowels and doubled letters removed."""
    for article in _ARTICLES:
        if token.startswith(article) and len(token) > len(article) + 2:
            token = token[len(article) :]
            break
    bare = _VOWELS.sub("", token)
    bare = _DOUBLE.sub(r"\1", bare)
    return bare or token


def name_keys(name: str) -> list[tuple[str, str]]:
    """(token, skeleton) pairs of a name, skipping a standalone article."""
    return [(tok, skeleton(tok)) for tok in name_tokens(name) if tok not in _ARTICLES]
