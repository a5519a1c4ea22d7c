"""Organisation names made comparable: legal forms in any language written one way.

"Siemens Aktiengesellschaft" and "Siemens AG", "Open Joint Stock Company Gazprom" and
"OJSC Gazprom", "Общество с ограниченной ответственностью Ромашка" and "OOO Romashka" differ
only in how the legal form is written. rigour keeps the tables of legal forms and their
abbreviations across languages (the ones yente matches with); this module only prepares the
text for them (dotted abbreviations such as "o.O.O." or "L.L.C." joined up) and splits a name
into its core and its legal forms, for resolution and screening alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rigour.names import extract_org_types, remove_org_types, replace_org_types_compare

# Single letters each followed by a dot, two or more in a row: "o.o.o.", "l.l.c", "s.a.".
_DOTTED = re.compile(r"(?<!\w)(?:\w\.){1,}\w?\.?(?!\w)")
_SPACE = re.compile(r"\s+")


def _undot(text: str) -> str:
    def join(m: re.Match[str]) -> str:
        letters = m.group(0).replace(".", "")
        return letters if len(letters) >= 2 else m.group(0)

    return _DOTTED.sub(join, text)


def prepare(name: str) -> str:
    """Case folded, dotted abbreviations joined, spaces collapsed."""
    return _SPACE.sub(" ", _undot(name.casefold())).strip()


@dataclass(frozen=True)
class OrgName:
    #: The whole name with every legal form written in its one comparison form ("siemens ag").
    compare: str
    #: The name without its legal forms ("siemens"); the whole name if that would leave nothing.
    core: str
    #: The legal forms found, in their comparison form (("ag",)).
    forms: tuple[str, ...]


@lru_cache(maxsize=65536)
def org_name(name: str) -> OrgName:
    """One organisation name split into the form compared, its core and its legal forms."""
    text = prepare(name)
    compare = _SPACE.sub(" ", replace_org_types_compare(text)).strip()
    core = _SPACE.sub(" ", remove_org_types(text)).strip() or compare
    forms = tuple(sorted({form for _, form in extract_org_types(text)}))
    return OrgName(compare, core, forms)
