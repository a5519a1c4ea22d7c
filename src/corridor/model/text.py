"""What a stored text may hold: the one rule every value is checked against as it comes in
(statements, provenance, observations, what a partner sends).

Control characters (NUL, BEL, ESC, …) are invisible on a page, cut strings short in C
libraries and other tools, and let one id pass for another; a lone surrogate is not a character
at all and cannot be written as UTF-8. Neither is ever in genuine data, so a value holding one is
refused, with the field named, rather than stored or silently cleaned. What people write (a
name, a note, handling instructions) may hold tabs and line breaks, which FtM folds into spaces
where a value is one line; an id may not, nor may a sensor feed's values (ids, codes, places).
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from corridor.errors import ValidationError

#: Unicode control characters (category Cc) and lone surrogates.
_NEVER_IN_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_UNSAFE = re.compile(f"[\t\n\r{_NEVER_IN_TEXT}]")
_UNSAFE_IN_TEXT = re.compile(f"[{_NEVER_IN_TEXT}]")

#: The rule for an observation's values in Arrow's (RE2) regular expressions, over UTF-8 text
#: (which cannot hold a lone surrogate): no control character at all.
ARROW_UNSAFE = r"[\x{00}-\x{1f}\x{7f}-\x{9f}]"


def unsafe_char(value: str, *, line_breaks: bool = False) -> str | None:
    """The first character `value` may not hold, or None (`line_breaks`: free text, which may
    hold tabs and line breaks)."""
    found = (_UNSAFE_IN_TEXT if line_breaks else _UNSAFE).search(value)
    return found.group() if found else None


def refusal(char: str) -> str:
    """Why a value holding `char` is refused, naming the character by its code point."""
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"{kind} (U+{ord(char):04X}) is not allowed"


def check_text(value: str, field: str, *, line_breaks: bool = False) -> str:
    """`value`, or a `ValidationError` naming `field` when it holds a control character (other
    than a tab or line break in free text) or a lone surrogate."""
    char = unsafe_char(value, line_breaks=line_breaks)
    if char is not None:
        raise ValidationError(refusal(char), field)
    return value


def escaped(value: str) -> str:
    """`value` with each control character and lone surrogate written as its escape (`\\x00`,
    `\\ud800`): for what must record any text as it came (the audit log) and still be stored."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


#: Bytes a UTF-8 text holds only if it may hold a control character: C0 and DEL are single
#: bytes, C1 (U+0080–U+009F) starts with 0xC2. Every other byte is deleted in one fast pass.
_SUSPECT = bytes(range(0x20)) + b"\x7f\xc2"
_INNOCENT = bytes(b for b in range(256) if b not in _SUSPECT)
_C1_BYTES = re.compile(rb"\xc2[\x80-\x9f]")


def arrow_unsafe_index(values: pa.Array) -> int | None:
    """The index of the first string of an Arrow column holding a control character, or None.

    A million-row feed is checked a column at a time: its bytes are scanned in one pass
    (`bytes.translate`, C speed), and only a column that may hold one is searched value by
    value (Arrow's regular expressions are ten times slower than the scan)."""
    buffers = values.buffers()
    if len(buffers) < 3 or buffers[2] is None:
        return None
    data = buffers[2].to_pybytes()  # may hold bytes of values sliced away: a filter only
    left = data.translate(None, _INNOCENT)
    if not left.strip(b"\xc2") and not (left and _C1_BYTES.search(data)):
        return None
    found = pc.match_substring_regex(values, ARROW_UNSAFE)
    index = pc.index(pc.fill_null(found, False), True).as_py()
    return None if index < 0 else int(index)
