"""Person names made comparable across languages, scripts and romanisations.

One implementation, shared by search, entity resolution and sanctions screening:

* `name_tokens` latinises any script and splits a name into lower-case ASCII tokens;
* `name_key` gives one token a phonetic key that Cyrillic, Arabic-script and Latin spellings of
  the same name share (`Mohammed`, `Muhamad`, `Mehmed`, `محمد` → `mhmd`);
* `parse_name` joins the particles of Arabic and Persian names into name parts, splits given
  names from the family name and gives every part its key (a `ParsedName`);
* `name_keys` is the (token, key) index that search stores and queries.

Libraries do the generic work: ICU (through `normality`) transliterates, rigour strips
honorifics. What no library does — romanise Serbian letters and Arabic-script names the way
records write them, and key the spellings of one name alike across the route's romanisation
conventions — is written out here, with the reason next to each rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from normality import ascii_text
from rigour.names import remove_person_prefixes

# --- Romanisation ------------------------------------------------------------------------------

# ICU's general transliteration drops the second letter of the Serbian and Macedonian digraph
# letters (Љиљана → "Lilana"), folds Đ to D where every romanised record — a British one
# included — writes Ljiljana and Djordje, and drops the glide of Bulgarian and Russian Ю/Я and
# the "t" of Щ (Юсуф → "Usuf", Щерев → "Serev"). These letters are mapped first, as records
# write them; the rest is ICU's.
_CYRILLIC = str.maketrans(
    {
        "Љ": "Lj", "љ": "lj", "Њ": "Nj", "њ": "nj", "Џ": "Dz", "џ": "dz", "Ђ": "Dj", "ђ": "dj",
        "Đ": "Dj", "đ": "dj", "Ѓ": "Gj", "ѓ": "gj", "Ќ": "Kj", "ќ": "kj", "Ѕ": "Dz", "ѕ": "dz",
        "Ю": "Ju", "ю": "ju", "Я": "Ja", "я": "ja", "Ё": "Jo", "ё": "jo", "Є": "Je", "є": "je",
        "Ї": "Ji", "ї": "ji", "Й": "J", "й": "j", "Щ": "Sht", "щ": "sht", "Ъ": "A", "ъ": "a",
        "Ь": "", "ь": "", "Ы": "Y", "ы": "y", "Э": "E", "э": "e",
    }
)  # fmt: skip
# Arabic-script letters ICU leaves as "?" (ع, Urdu ہ and ٹ) or writes the way no passport does:
# ة and ى are vowels in names (فاطمة Fatima, مصطفى Mustafa); ث, ذ, ض, ظ are s/z in the Persian,
# Urdu, Turkish and Bosnian spellings the route sees (Osman, Zabiullah, Raza, Rezaei); ج is dž
# (Jamal), written "dj" so that the key reads it as a consonant even with no vowel beside it.
_ABJAD_LETTERS = str.maketrans(
    {
        "ع": "a", "ء": "", "أ": "a", "إ": "i", "آ": "a", "ؤ": "u", "ئ": "y", "ة": "a", "ۃ": "a",
        "ى": "a", "ث": "s", "ذ": "z", "ض": "z", "ظ": "z", "ج": "dj", "ہ": "h", "ھ": "h",
        "ٹ": "t", "ڈ": "d", "ڑ": "r", "ں": "n", "ے": "e", "ژ": "zh", "ڤ": "v", "ـ": "",
    }
)  # fmt: skip
_ABJAD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# A final ه/ہ is a vowel in Persian and Urdu names (فرشته Fereshta, صائمہ Saima) and in Arabic
# ones ending in it (طه Taha, الله).
_ABJAD_FINAL_HEH = re.compile(r"[هہ](?=\s|$)")
# A medial ه/ہ follows a short vowel the script leaves out (زهرا Zahra, شاہد Shahid); writing
# that vowel keeps ICU's z+h from reading as the digraph zh (and s+h as sh).
_ABJAD_MEDIAL_HEH = re.compile(r"(?<=\S)[هہ]")
# الله is written without its alef; as a name part it is the -ullah of Abdullah and Safiullah.
_ABJAD_ALLAH = re.compile(r"(?:^|(?<=\s))الله(?=\s|$)")
_SPLIT = re.compile(r"[^a-z0-9]+")
_LOWER_ASCII = re.compile(r"[a-z0-9]+")
_VOWEL_LETTERS = "aeiou"


def _abjad_glides(token: str) -> str:
    """Read و (w) and ي (y) of an abjad token as consonants or long vowels.

    An abjad writes long vowels with و and ي and leaves short ones out, so ICU's "mhmwd" is
    Mahmoud (w a vowel) and "drwysh" is Darwish (w a consonant). و is a consonant at the start of
    a word or the name after an article, before or after ا and before ي; elsewhere it is the
    vowel u. A word starting with و or ي followed by a consonant letter gets the short vowel the
    script leaves out (يزيد → "yazyd"), so the key keeps the initial glide.
    """
    start = 2 if token.startswith("al") and len(token) > 4 else 0
    out = []
    for i, ch in enumerate(token):
        if ch == "w" and i > start:
            before = token[i - 1]
            after = token[i + 1] if i + 1 < len(token) else ""
            ch = "w" if before == "a" or after in ("a", "y") else "u"
        out.append(ch)
        if i == start and ch in "wy" and i + 1 < len(token) and token[i + 1] not in "aeiouy":
            out.append("a")
    return "".join(out)


def _latin(text: str) -> str:
    """Latin, lower-case ASCII text of a name in any script."""
    if text.isascii():
        return text.lower()  # the common case, kept off ICU
    abjad = _ABJAD.search(text) is not None
    if abjad:
        text = _ABJAD_ALLAH.sub("ullah", text)
        text = _ABJAD_FINAL_HEH.sub("a", text)
        text = _ABJAD_MEDIAL_HEH.sub("اه", text).translate(_ABJAD_LETTERS)
    text = (ascii_text(text.translate(_CYRILLIC)) or "").lower()
    if abjad:
        text = " ".join(_abjad_glides(tok) for tok in _SPLIT.split(text) if tok)
    return text


def name_tokens(name: str) -> list[str]:
    """Latin, lower-case, accent-free tokens of a name (in their written order)."""
    return [tok for tok in _SPLIT.split(_latin(name)) if tok]


# --- Phonetic keys -----------------------------------------------------------------------------

# Spellings of one sound across English, French, Serbian, Albanian, Turkish and Arabic/Persian
# romanisations, longest first. "J" (upper case while the key is built) is the dž/dj/j class:
# Serbian dž and đ, Macedonian ѓ, Albanian xh and gj, French dj and English j are written for one
# another (Džamal/Jamal/Djamel, Gjorgji/Đorđi, Xhaferi/Džaferi). It is kept at the start of a
# word only: inside one, an English j may be the Serbian dž (Najjar/Nadždžar) and a Serbian j
# an English y (Marjam/Maryam/Mariam), so there it goes with the vowels. c, č, ć, ch, k, q are one
# class:
# English c is Serbian k (Craig/Krejg), Albanian q is Serbian ć (Krasniqi/Krasnići) and Arabic
# q is k (Tariq/Tarik).
_REWRITES = (
    ("sch", "s"), ("dzh", "J"), ("xh", "J"), ("dj", "J"), ("gj", "J"), ("dz", "J"),
    ("kj", "k"), ("jh", "J"), ("bh", "b"), ("sh", "s"), ("zh", "z"), ("ch", "k"), ("kh", "h"),
    ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ts", "k"), ("ck", "k"), ("q", "k"),
    ("c", "k"), ("x", "ks"),
)  # fmt: skip
# French "ou" before a vowel, and u between vowels, is w (Ouardi = Wardi, Cherkaoui = Čerkaui =
# Sharqawi).
_OU_GLIDE = re.compile(r"ou(?=[aeiy])|(?<=[aeio])u(?=[aeiy])")
_DOUBLE = re.compile(r"([a-zJ])\1+")
# Y and j start a syllable at the start of a word (Yusuf/Jusuf/Юсуф); elsewhere records write
# them as vowels as often as glides (Maryam/Mariam/Marjam, Layla/Laila, Sayed/Syed/سید).
_INITIAL_GLIDE = re.compile(r"^[jy](?=[aeiou])")
_VOWELS = re.compile(r"[aeiouyjJ]+")
# Mahmoud and Mohammed share a skeleton; the long u of Mahmoud (ou, oo, u; و in the script)
# before the final d tells them apart.
_LONG_U_FINAL = re.compile(r"[ou]+[dt]$")
# A final vowel is kept as "a" or "i": it tells Karim from Karimi and Ahmad from Ahmadi (the
# Persian nisba) and Dragan from Dragana; other final vowels are dropped (Claire/Klaire).
_FINAL_VOWELS = re.compile(r"[aeiouyj]+$")
# -ullah written attached or apart, with one l or two (Safiullah, Safi Ullah, Zabihollah).
_ULLAH = re.compile(r"(?<=..)h?[uoa]ll?ah?$")
# -uddin, -eddine, al-Din (Salahuddin, Nasreddine).
_UDDIN = re.compile(r"(?<=...)(?:[uoae][dl])?d(?:i|ee)ne?$")
# abd-/abdul-/abdel-/abdur- (Abdulrahman, Abdelrahman, Abd al-Rahman).
_ABD = re.compile(r"^abd(?:[uoaie]l?|oul)?(?=[a-z]{3})")
_CONSONANTS_AFTER_ARTICLE = re.compile(r"[bcdfghklmnpqrstvwxz]")


def _strip_article(token: str) -> str:
    """Drop an attached Arabic article (Alhasan, Elmasry); the rest must still be a name."""
    if token.startswith("al") and len(token) >= 5 and _CONSONANTS_AFTER_ARTICLE.search(token, 2):
        return token[2:]
    if token.startswith("el") and len(token) >= 6 and token[2] not in _VOWEL_LETTERS:
        return token[2:]
    return token


@lru_cache(maxsize=1 << 17)
def _key(token: str) -> str:
    word = _strip_article(token)
    if "ll" in word or "la" in word:
        word = _ULLAH.sub("ula", word)
    if "din" in word or "deen" in word:
        word = _UDDIN.sub("din", word)
    if word.startswith("abd"):
        word = _ABD.sub("abd", word)
    if word.endswith("ah"):  # ta marbuta: Fatimah/Fatima, Hamzah/Hamza
        word = word[:-1]
    word = _OU_GLIDE.sub("w", word)
    for written, sound in _REWRITES:
        if written in word:
            word = word.replace(written, sound)
    word = word.replace("w", "v")
    word = _DOUBLE.sub(r"\1", word)
    word = _INITIAL_GLIDE.sub("J", word)
    final = ""
    tail = _FINAL_VOWELS.search(word)
    if tail:
        vowels = tail.group()
        if vowels.endswith("a"):
            final = "a"
        elif vowels.endswith(("i", "y", "j")) or vowels in ("ee", "ie"):  # Gary/Garj
            final = "i"
        word = word[: tail.start()]
    # An initial vowel is kept as "a", whichever it is: it tells Ahmad from Hamid, while records
    # disagree on its quality (Omar/Umar, Ibrahim/Ebrahim, Osman/Usman).
    first = word[:1]
    initial = "a" if first in ("a", "e", "i", "o", "u") else "j" if first == "J" else ""
    bare = _VOWELS.sub("", word[1:] if initial else word)
    if bare.endswith("t"):  # final devoicing: Mehmet/Mehmed, Ahmet/Ahmed, Murat/Murad
        bare = bare[:-1] + "d"
    if bare == "mhmd" and _LONG_U_FINAL.search(word):
        bare = "mhmud"
    key = (initial + bare + final).lower()
    return key or token


def name_key(token: str) -> str:
    """The phonetic key of one name token, shared by its spellings in any script.

    Robust to romanisation (Mohammed/Muhammad/Mehmed/محمد → mhmd, Youssef/Yusuf/Jusuf/Юсуф
    → jsf), transcription (Wayne/Вајне) and joined particles (Abdulrahman/Abdelrahman). The key
    drops vowels but keeps a final a/i, reads an attached al-/el- as the article, and writes
    each sound one way (sh/š/ш → s, ch/č/ć/c/k/q → k, j/dž/dj/xh/gj → j, w/v → v, kh → h).

    rigour's metaphone and soundex are English spelling rules (metaphone: Omar OMR / Umar UMR,
    Ćirić SRK, Krasnići KRSNS / Krasniqi KRSNK), so this key is written out here. It is cached:
    a name's tokens recur across millions of records.
    """
    if not _LOWER_ASCII.fullmatch(token):
        token = "".join(name_tokens(token))
        if not token:
            return ""
    return _key(token)


def skeleton(token: str) -> str:
    """The phonetic key of a token (the name search first used; now `name_key`)."""
    return name_key(token)


# --- Name parts --------------------------------------------------------------------------------

# Arabic articles written apart (al-Hassan, El Amrani); a sun letter assimilates the article
# (ash-Shami, an-Najjar, as-Saleh), so "a"/"e"/"u" + the next token's first consonant also is one.
_ARTICLES = frozenset({"al", "el", "ul"})
_SUN = ("t", "th", "d", "dh", "r", "z", "s", "sh", "n")
# Particles joined to the next token into one name part: "Ben Ali" and "Benali", "Abdul Rahman"
# and "Abdulrahman", "Abu Bakr" and "Abubakr" are written both ways for one person.
_PREFIXES = frozenset(
    {"bin", "ben", "ibn", "bint", "ould", "abu", "abou", "abo", "abd", "abdul", "abdel", "abdal",
     "abdol", "abdoul", "abdu", "abdur", "abdar", "abdus"}
)  # fmt: skip
_NASAB = frozenset({"bin", "ben", "ibn", "bint", "ould"})
# Suffixes joined to the previous token: -ullah (Safi Ullah/Safiullah), -uddin, Pashto -zai and
# -khel, Persian -zada (Yusuf Zai/Yusufzai, Ahmad Zada/Ahmadzada).
_SUFFIXES = frozenset(
    {"ullah", "ulah", "ulla", "ullo", "allah", "ollah", "olah", "uddin", "udin", "eddin",
     "eddine", "uddeen", "addin", "zai", "zay", "khel", "zada", "zadeh", "zade"}
)  # fmt: skip
_DIN = frozenset({"din", "deen", "dine"})
# Abbreviations of Muhammad in passports and records (Md, Mohd, Muhd, Mhd).
_ABBREVIATIONS = {"md": "muhammad", "mohd": "muhammad", "muhd": "muhammad", "mhd": "muhammad"}
# Family-name morphology: Serbian, Croatian and Bosnian -ić, Macedonian and Polish -ski/-ska,
# Bulgarian and Russian -ov/-ev(a), Turkish -oğlu, Persian -zada/-pour, Pashto -zai/-khel.
_FAMILY_STRONG = re.compile(r"..(?:ic|sk[aiy]|ck[aiy]|oglu|zadeh?|zada|zai|khel|pou?r)$")
# Western given names that end like a South Slavic surname.
_NOT_FAMILY_IC = frozenset({"eric", "dominic", "cedric", "frederic", "ludovic", "alaric", "emeric"})
_FAMILY_SLAVIC_OV = re.compile(r"...[oe]va?$")
# Persian and Arabic nisba (-i: Rahimi, Hashimi), weak: Mahdi and Ramzi are given names.
_FAMILY_NISBA = re.compile(r"....(?:i|y|ie)$")
# -ullah compounds are given names (Safiullah, Rahmatullah).
_GIVEN_ULLAH = re.compile(r"..h?[uoa]ll?ah?$")


@dataclass(frozen=True)
class _Word:
    """A word of the written name: its tokens, whether it was in capitals, its segment."""

    tokens: tuple[str, ...]
    capitals: bool
    segment: int  # 0 before a comma ("SURNAME, Given"), 1 after; 0 without a comma
    abjad: bool  # written in Arabic script, where the article is always attached


def _words(name: str) -> list[_Word]:
    text = remove_person_prefixes(name.strip())
    head, comma, tail = text.partition(",")
    segments = [(head, 0), (tail, 1)] if comma and head.strip() and tail.strip() else [(text, 0)]
    words = []
    for segment_text, segment in segments:
        for raw in segment_text.split():
            tokens = tuple(name_tokens(raw))
            if not tokens:
                continue
            letters = [ch for ch in raw if ch.isalpha()]
            capitals = (
                len(letters) > 1
                and any(ch.isupper() for ch in letters)
                and not any(ch.islower() for ch in letters)
            )
            words.append(_Word(tokens, capitals, segment, _ABJAD.search(raw) is not None))
    return words


@dataclass(frozen=True)
class _Part:
    text: str
    capitals: bool
    segment: int
    article: bool  # an article written apart was joined to it
    nasab: bool  # ben/bin/ibn-led


def _is_article(token: str, following: str) -> bool:
    if token in _ARTICLES:
        return True
    if len(token) < 2 or token[0] not in "aeu":
        return False
    rest = token[1:]
    return rest in _SUN and following.startswith(rest) and len(following) > len(rest) + 1


def _parts(words: list[_Word]) -> list[_Part]:
    """Join particles and their names into name parts, within one segment."""
    flat = [(tok, w.capitals, w.segment, w.abjad) for w in words for tok in w.tokens]
    parts: list[_Part] = []
    i = 0
    n = len(flat)
    while i < n:
        tok, caps, seg, abjad = flat[i]
        tok = _ABBREVIATIONS.get(tok, tok)

        def joinable(j: int, seg: int = seg) -> bool:
            return j < n and flat[j][2] == seg

        if tok in _ARTICLES and not joinable(i + 1) and n > 1:
            i += 1  # a stray article ("Hassan al") names no one
            continue
        nasab = False
        article = abjad and tok.startswith("al") and len(tok) > 4
        text = tok
        if joinable(i + 1) and _is_article(tok, flat[i + 1][0]):
            text, article = "al", True  # al-, el-, ash-, an-, … written one way
            i += 1
            text += flat[i][0]
        elif tok in _PREFIXES and joinable(i + 1) and not (tok == "ben" and i == 0 and n == 2):
            # "Ben Parker" is an English given name and a surname; "Ben Ali" after a given
            # name (or "Ben Ali Mustafa") is a nasab. A two-word "Ben X" stays apart.
            nasab = tok in _NASAB
            i += 1
            nxt = flat[i][0]
            if joinable(i + 1) and _is_article(nxt, flat[i + 1][0]):
                i += 1  # Abd al-Rahman
                nxt = "al" + flat[i][0]
            text = tok + nxt
        while joinable(i + 1):
            nxt = flat[i + 1][0]
            if nxt in _SUFFIXES:
                text += nxt
                i += 1
            elif (
                nxt in ("ud", "ad", "ed", "al", "el", "ul")
                and joinable(i + 2)
                and (flat[i + 2][0] in _DIN)
            ):
                text += "uddin"
                i += 2
            elif nxt in _DIN and len(text) > 3:
                text += "uddin"
                i += 1
            else:
                break
        parts.append(_Part(text, caps, seg, article, nasab))
        i += 1
    return parts


# --- Given and family names --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NameRoles:
    """What a corpus says about which name keys are family names.

    Records that mark the family name ("JOVANOVIĆ, Miroslav", "JOVANOVIĆ Miroslav") show which
    keys are family names and which given; because keys are script-insensitive, that evidence
    also orders unmarked names in other scripts (a Serbian record's "Јовановић Мирослав" or an
    Arabic-script one). Unmarked names count too, weakly: most records put the given name first,
    so over many records a key seen mostly first is a given name. `family_log_odds` maps a key
    to log((family + 1) / (given + 1)) over those weighted counts.
    """

    family_log_odds: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def learn(cls, names: Iterable[str], unmarked_weight: float = 0.25) -> NameRoles:
        """Learn roles from a corpus of names (one record's name each, duplicates welcome).

        A name whose family name is marked by a comma or capitals counts 1 for each part's
        role; an unmarked name counts `unmarked_weight` for its first part being given and its
        last part being family — the convention most records follow.
        """
        family: dict[str, float] = {}
        given: dict[str, float] = {}
        for name in names:
            parsed = parse_name(name)
            if parsed.order in ("comma", "capitals"):
                weight, fam, giv = 1.0, parsed.family, parsed.given
            elif len(parsed.parts) > 1:
                weight, fam, giv = unmarked_weight, parsed.parts[-1:], parsed.parts[:1]
            else:
                continue
            for part in fam:
                key = name_key(part)
                family[key] = family.get(key, 0.0) + weight
            for part in giv:
                key = name_key(part)
                given[key] = given.get(key, 0.0) + weight
        odds = {
            key: math.log((family.get(key, 0.0) + 1) / (given.get(key, 0.0) + 1))
            for key in family.keys() | given.keys()
        }
        return cls(odds)


def _family_evidence(part: _Part, key: str, roles: NameRoles | None, given_keys: frozenset[str]
                     ) -> float:  # fmt: skip
    """How much a part looks like a family name (> 0) or a given name (< 0)."""
    text = part.text
    score = 0.0
    if part.article or part.nasab:
        score += 3.0
    elif text.startswith("al") and text[2] != "e" and _strip_article(text) != text:
        score += 2.0  # Alhasan, Alahmad; not Aleksandar
    if text.startswith(("abd", "abu")) or _GIVEN_ULLAH.search(text):
        score -= 1.0  # Abd al-X, Abu X (a kunya) and X-ullah are usually given names
    if _FAMILY_STRONG.search(text) and text not in _NOT_FAMILY_IC:
        score += 3.0
    elif _FAMILY_SLAVIC_OV.search(text):
        score += 2.0
    elif _FAMILY_NISBA.search(text):
        score += 0.5
    if key in given_keys:
        score -= 1.0
    if roles is not None:
        score += max(-3.0, min(3.0, roles.family_log_odds.get(key, 0.0)))
    return score


@dataclass(frozen=True)
class ParsedName:
    """A person's name in parts, with keys to compare it across scripts and spellings.

    `order` says how the family name was found: "comma" ("SURNAME, Given"), "capitals" (the
    family name in capitals, the given in mixed case: "JOVANOVIĆ Miroslav"), "evidence"
    (surname morphology such as -ić/-ski/-ov, an Arabic article or nasab, known given names and
    learnt `NameRoles` put the family name first), "convention" (no evidence either way: the
    last part, as most records write it) or "single" (one part: a mononym or nickname, kept as a
    given name).
    """

    tokens: tuple[str, ...]  # latinised tokens, in written order
    parts: tuple[str, ...]  # tokens with particles joined (al-Hassan → alhassan), written order
    given: tuple[str, ...]  # given parts, in written order
    family: tuple[str, ...]  # family parts, in written order
    keys: tuple[str, ...]  # sorted, unique keys of all parts
    given_keys: tuple[str, ...]  # keys of the given parts, in order
    family_key: str  # keys of the family parts, space-separated ("" when unknown)
    sorted_name: str  # parts sorted and space-joined: order-insensitive
    initials: str  # first letters of the given parts (for "J. Smith")
    given_variants: tuple[str, ...]  # canonical given names behind nicknames (Saša → aleksandar)
    order: str
    articles: tuple[str, ...] = ()  # parts an Arabic article was written with (al-Hassan)

    @property
    def given_key(self) -> str:
        """The key of the first given name ("" when there is none)."""
        return self.given_keys[0] if self.given_keys else ""

    @property
    def full_key(self) -> str:
        """The keys of all parts, sorted and space-joined (order-insensitive)."""
        return " ".join(sorted(name_key(p) for p in self.parts))


_EMPTY = ParsedName((), (), (), (), (), (), "", "", "", (), "empty")


@lru_cache(maxsize=1 << 16)
def parse_name(name: str, roles: NameRoles | None = None) -> ParsedName:
    """Parse a person's name: tokens, parts, given and family names and their keys.

    Never raises; a name with no letters parses to an empty `ParsedName`. The family name is
    found by, in turn: a comma ("JOVANOVIĆ, Miroslav"); capitals against mixed case
    ("JOVANOVIĆ Miroslav"); evidence (see `ParsedName.order`) choosing between the first and the
    last part; and otherwise the convention that the family name comes last. Swapped order
    with no evidence cannot be known: compare `sorted_name` and `keys` for that.
    """
    from corridor.normalise.nicknames import GIVEN_NAME_KEYS, given_name_variants

    words = _words(name)
    if not words:
        return _EMPTY
    parts = _parts(words)
    texts = tuple(p.text for p in parts)
    keys_in_order = tuple(name_key(t) for t in texts)
    family_idx: list[int]
    if len(parts) == 1:
        family_idx, order = [], "single"
    elif any(p.segment == 1 for p in parts):
        family_idx, order = [i for i, p in enumerate(parts) if p.segment == 0], "comma"
    elif any(p.capitals for p in parts) and not all(p.capitals for p in parts):
        family_idx, order = [i for i, p in enumerate(parts) if p.capitals], "capitals"
    else:
        first = _family_evidence(parts[0], keys_in_order[0], roles, GIVEN_NAME_KEYS)
        last = _family_evidence(parts[-1], keys_in_order[-1], roles, GIVEN_NAME_KEYS)
        if first > last:
            family_idx, order = [0], "evidence"
        else:
            family_idx, order = [len(parts) - 1], "convention" if first == last else "evidence"
    family = tuple(texts[i] for i in family_idx)
    given = tuple(t for i, t in enumerate(texts) if i not in family_idx)
    given_keys = tuple(name_key(t) for t in given)
    variants = sorted({v for g in given for v in given_name_variants(g)})
    return ParsedName(
        tokens=tuple(t for w in words for t in w.tokens),
        parts=texts,
        given=given,
        family=family,
        keys=tuple(sorted(set(keys_in_order))),
        given_keys=given_keys,
        family_key=" ".join(name_key(t) for t in family),
        sorted_name=" ".join(sorted(texts)),
        initials="".join(g[0] for g in given),
        given_variants=tuple(variants),
        order=order,
        articles=tuple(p.text for p in parts if p.article),
    )


def name_keys(name: str) -> list[tuple[str, str]]:
    """(part, key) pairs of a name for the search index, in written order.

    Particles are joined to their names (al-Hassan → alhassan, Safi Ullah → safiullah), so a
    query and a record that write them differently still match part for part.
    """
    return [(part, name_key(part)) for part in parse_name(name).parts]
