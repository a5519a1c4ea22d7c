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


# Single letters written apart, two or more in a row: "s a", "o o o" (a form typed without its
# dots, or read from a document that dropped them).
_SPACED = re.compile(r"(?<!\w)[^\W\d_](?: [^\W\d_])+(?!\w)")


def _undot(text: str) -> str:
    def join(m: re.Match[str]) -> str:
        letters = m.group(0).replace(".", "")
        return letters if len(letters) >= 2 else m.group(0)

    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), _DOTTED.sub(join, text))


def prepare(name: str) -> str:
    """Case folded, dotted abbreviations joined, spaces collapsed."""
    return _SPACE.sub(" ", _undot(name.casefold())).strip()


#: Legal forms as Western Balkan records write them with no dots, which rigour's tables know only
#: dotted ("d.o.o.", "a.d.") or not at all: the undotted spelling, its comparison form and its
#: generic kind (rigour's `generic=True` kinds). Read after the first word only, where a form
#: stands in these names ("Transport DOO Beograd"; "Ad Astra" is a name).
_UNDOTTED: dict[str, tuple[str, str]] = {
    "doo": ("doo", "llc"), "dooel": ("dooel", "llc"), "ad": ("ad", "jsc"),
}  # fmt: skip


@dataclass(frozen=True)
class OrgName:
    #: The whole name with every legal form written in its one comparison form ("siemens ag").
    compare: str
    #: The name without its legal forms ("siemens"); the whole name if that would leave nothing.
    core: str
    #: The legal forms found, in their comparison form (("ag",)).
    forms: tuple[str, ...]
    #: The generic kinds of those forms (("jsc",)): a "d.o.o." and a "Ltd" are both an "llc".
    kinds: tuple[str, ...] = ()


def _drop_undotted(text: str) -> str:
    words = text.split(" ")
    return " ".join(words[:1] + [w for w in words[1:] if w not in _UNDOTTED])


@lru_cache(maxsize=65536)
def org_name(name: str) -> OrgName:
    """One organisation name split into the form compared, its core and its legal forms.

    rigour reads forms as written first ("d.o.o.", "sh.p.k." are in its tables with their
    dots), then the text with dotted abbreviations joined ("o.O.O." → "ooo"), so that a form is
    found whichever way it is dotted."""
    raw = _SPACE.sub(" ", name.casefold()).strip()
    text = prepare(replace_org_types_compare(raw))
    compare = _SPACE.sub(" ", replace_org_types_compare(text)).strip()
    stripped = prepare(remove_org_types(raw))
    core = _SPACE.sub(" ", _drop_undotted(remove_org_types(stripped))).strip() or compare
    forms = {_undot(form) for source in (raw, text) for _, form in extract_org_types(source)}
    kinds = {kind for source in (raw, text) for _, kind in extract_org_types(source, generic=True)}
    for word in text.split(" ")[1:]:
        if word in _UNDOTTED:
            forms.add(_UNDOTTED[word][0])
            kinds.add(_UNDOTTED[word][1])
    return OrgName(compare, core, tuple(sorted(forms)), tuple(sorted(kinds)))
