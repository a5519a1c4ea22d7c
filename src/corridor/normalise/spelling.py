"""Names spelt alike across scripts and romanisations: Latin tokens and phonetic keys.

* `name_tokens` latinises any script and splits a name into lower-case ASCII tokens;
* `name_key` gives one token a phonetic key that Cyrillic, Arabic-script and Latin spellings of
  the same name share (`Mohammed`, `Muhamad`, `Mehmed`, `محمد` → `mhmd`).

The lowest layer of name handling: `names` (parsing a name into parts) and `nicknames` (short
forms of given names) both key names with these. ICU (through `normality`) transliterates; what
no library does — romanise Serbian letters and Arabic-script names the way records write them,
and key the spellings of one name alike across the route's romanisation conventions — is
written out here, with the reason next to each rule.
"""

from __future__ import annotations

import re
from functools import lru_cache

from normality import ascii_text

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
#: A letter of the Arabic script (Arabic, Persian, Urdu, Pashto).
ABJAD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
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


# An apostrophe between two letters marks an elision or a transliterated ʿayn or hamza
# (O'Brien, Ma'ruf, Mera’i): the word goes on, as rigour's tokeniser reads it.
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W\d_])['‘’ʼʻʿʾ`´](?=[^\W\d_])")


def _latin(text: str) -> str:
    """Latin, lower-case ASCII text of a name in any script."""
    text = _INNER_APOSTROPHE.sub("", text)
    if text.isascii():
        return text.lower()  # the common case, kept off ICU
    abjad = ABJAD.search(text) is not None
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


def strip_article(token: str) -> str:
    """Drop an attached Arabic article (Alhasan, Elmasry); the rest must still be a name."""
    if token.startswith("al") and len(token) >= 5 and _CONSONANTS_AFTER_ARTICLE.search(token, 2):
        return token[2:]
    if token.startswith("el") and len(token) >= 6 and token[2] not in _VOWEL_LETTERS:
        return token[2:]
    return token


@lru_cache(maxsize=1 << 17)
def _key(token: str) -> str:
    word = strip_article(token)
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
