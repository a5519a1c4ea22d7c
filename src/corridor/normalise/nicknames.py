"""Hypocoristics: the short forms people are recorded under (Saša for Aleksandar, Bill for William).

A source may record a man as Saša and another as Aleksandar; a watchlist may list Bob where the
passport says Robert. No installed library has a table of hypocoristics for the names the
Western Balkans route sees (Serbian, Bosnian, English, Arabic), so this small table is written
here. It keeps only well-attested forms — a short form shared by several names maps to all of
them (Mile → Milan, Miloš, Milorad, Milovan) — and is data to extend, not an exhaustive list.
Street names and nicknames proper ("Švaba", "Spike") are aliases, not hypocoristics: they are
matched as aliases, never through this table.

`given_name_variants` returns canonical forms, so two given names are variants of one another
when their canonical sets intersect. Spellings are matched romanisation-insensitively through
`name_key` (Muhamad → muhammad); short forms only by their latinised spelling, as their keys
are too short to be told apart.
"""

from __future__ import annotations

from functools import lru_cache

from corridor.normalise.spelling import name_key, name_tokens

# canonical: (other spellings of the full name, short forms). Latinised, lower-case ASCII, as
# `name_tokens` writes them (Saša → sasa, Đorđe → djordje, Љубиша → ljubisa).
_TABLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Serbian and other South Slavic
    "aleksandar": (
        ("aleksander", "alexander", "aleksandr"),
        ("sasa", "sasha", "aca", "sale", "aleks", "alex"),
    ),
    "aleksandra": (("alexandra",), ("sasa", "sasha", "sanja", "aleks", "alex")),
    "djordje": (("djordjo", "gjorgji", "djurdje"), ("djole", "djoka", "djoko", "gjoko")),
    "jovan": ((), ("joca", "jole", "jovica")),
    "nikola": (("nikolaj", "nicholas", "nikolay"), ("nidza", "nikica")),
    "milan": ((), ("mile", "mica", "miki")),
    "milos": ((), ("mile", "misa")),
    "milorad": ((), ("mile", "misa")),
    "milovan": ((), ("mile",)),
    "miroslav": ((), ("miro", "miki")),
    "mihajlo": (("mihailo", "mihail", "michael"), ("misa", "mika", "miki")),
    "predrag": ((), ("pedja", "peca")),
    "nebojsa": ((), ("nesa",)),
    "nenad": ((), ("nesa",)),
    "slobodan": ((), ("sloba", "boban", "bobo")),
    "dusan": ((), ("dule", "duca")),
    "zoran": ((), ("zoki",)),
    "goran": ((), ("goki",)),
    "dejan": ((), ("deki",)),
    "petar": (("peter", "petr", "petre", "petur"), ("pera", "pero", "peca", "pesho", "pete")),
    "stefan": (("stevan", "stephen", "steven", "stefanos"), ("steva", "stevica", "steve")),
    "branislav": ((), ("bane", "brana")),
    "branko": ((), ("bane",)),
    "ljubisa": ((), ("ljuba",)),
    "dragan": ((), ("gagi",)),
    "dragana": ((), ("gaga",)),
    "svetlana": ((), ("ceca",)),
    "snezana": ((), ("sneza", "sneki")),
    "jelena": (("elena",), ("jeca", "jela")),
    "marija": (("maria", "mariya", "mary"), ("maja", "mara")),
    "milica": ((), ("mica",)),
    "katarina": (
        ("katerina", "catherine", "katherine", "kathryn"),
        ("kaca", "kata", "kate", "katie", "cathy"),
    ),
    "georgi": (("georgios",), ("gosho", "gjoko")),
    "hristo": (("hristos", "christos"), ("itso", "ico")),
    "todor": (("teodor", "theodore"), ("tosho", "tose", "toso")),
    # Arabic names, with their Turkish and Bosnian forms
    "muhammad": (
        ("mohammed", "muhammed", "mohamed", "mohammad", "muhamad", "mohamad", "muhamed", "mehmed",
         "mehmet"),
        ("hamoudi", "hamudi", "hamo", "hamada", "mido", "meho", "mo", "moe"),
    ),
    "ahmad": (("ahmed", "ahmet"), ("hamada", "hamoudi")),
    "mahmoud": (("mahmud", "mahmood", "mahmut"), ("hamoudi",)),
    "mustafa": (("moustafa", "mostafa"), ("mujo",)),
    "ibrahim": (("ebrahim", "brahim", "ibrahem"), ("ibro", "ibrica")),
    "husein": (("hussein", "hussain", "husain", "hossein", "huseyin"), ("huso",)),
    "hasan": (("hassan",), ("haso",)),
    "sulejman": (("suleiman", "sulaiman", "suleyman", "soliman"), ("suljo",)),
    "abdullah": (("abdallah", "abdulla"), ("abdo", "abdou", "abboud", "aboudi")),
    "abdulrahman": (("abdelrahman", "abdurrahman", "abdalrahman"), ("abdo", "abboud", "aboudi")),
    "yusuf": (("youssef", "yousef", "jusuf", "yousuf", "youcef"), ()),
    # Russian, Ukrainian and Belarusian diminutives (the lists' Russian names)
    "vladimir": (("volodymyr", "uladzimir"), ("vlada", "vlado", "vova", "volodya", "vlad")),
    "aleksandr": (("alexandr", "oleksandr", "aliaksandr"), ("sasha", "sanya", "shura")),
    "aleksei": (("alexei", "alexey", "aleksey", "oleksiy"), ("alyosha", "lyosha", "lesha")),
    "dmitry": (("dmitri", "dmitrii", "dmytro", "dzmitry"), ("dima", "mitya")),
    "mikhail": (("mykhailo", "mikhailo"), ("misha", "mishka")),
    "nikolai": (("nikolay", "mykola", "mikalai"), ("kolya",)),
    "sergei": (("sergey", "serhiy", "siarhei"), ("seryozha", "serezha")),
    "yevgeny": (("evgeny", "evgeniy", "yevhen", "yauhen"), ("zhenya",)),
    "ivan": (("ioann",), ("vanya",)),
    "pavel": (("paul", "pavlo"), ("pasha",)),
    "anatoly": (("anatolii", "anatoliy"), ("tolya",)),
    "yuri": (("yury", "yuriy", "yurii", "iouri"), ("yura",)),
    "konstantin": (("kostiantyn", "constantine"), ("kostya",)),
    "grigory": (("grigori", "hryhoriy"), ("grisha",)),
    "fyodor": (("fedor", "feodor", "theodor"), ("fedya",)),
    "boris": ((), ("borya",)),
    "viktor": (("victor",), ("vitya",)),
    "ekaterina": (("yekaterina", "kateryna"), ("katya",)),
    "tatiana": (("tatyana", "tetiana"), ("tanya",)),
    "natalia": (("natalya", "nataliya"), ("natasha",)),
    # Spanish and Portuguese
    "jose": ((), ("pepe", "chepe")),
    "francisco": ((), ("paco", "pancho", "chico", "kiko")),
    "ignacio": ((), ("nacho",)),
    "jesus": ((), ("chucho", "chuy")),
    "guillermo": ((), ("memo",)),
    "enrique": ((), ("quique",)),
    "luiz": (("luis",), ("lula",)),
    # English
    "barack": ((), ("barry",)),
    "william": (("guillermo", "wilhelm"), ("bill", "billy", "will", "willie", "liam")),
    "robert": ((), ("bob", "bobby", "rob", "robbie", "bert")),
    "richard": ((), ("dick", "rick", "ricky", "richie")),
    "james": ((), ("jim", "jimmy", "jamie")),
    "john": ((), ("jack", "johnny", "jon")),
    "jonathan": ((), ("jon", "jonny")),
    "thomas": ((), ("tom", "tommy")),
    "joseph": ((), ("joe", "joey")),
    "charles": ((), ("charlie", "chuck")),
    "edward": ((), ("ed", "eddie", "ted", "ned")),
    "anthony": (("antony", "antonio"), ("tony",)),
    "christopher": ((), ("chris",)),
    "daniel": ((), ("dan", "danny")),
    "david": ((), ("dave", "davy")),
    "matthew": ((), ("matt",)),
    "andrew": (("andrej", "andrija"), ("andy", "drew")),
    "samuel": ((), ("sam", "sammy")),
    "benjamin": (("binyamin", "veniamin"), ("ben", "benny", "bibi")),
    "patrick": ((), ("pat", "paddy")),
    "gary": (("garry",), ("gaz",)),
    "barry": ((), ("baz",)),
    "darren": ((), ("daz",)),
    "kenneth": ((), ("ken", "kenny")),
    "raymond": ((), ("ray",)),
    "ronald": ((), ("ron", "ronnie")),
    "terence": (("terrence",), ("terry", "tel")),
    "lawrence": (("laurence",), ("larry", "laurie")),
    "philip": (("phillip",), ("phil",)),
    "timothy": ((), ("tim", "timmy")),
    "frederick": ((), ("fred", "freddie")),
    "henry": ((), ("harry", "hal")),
    "leonard": ((), ("len", "lenny")),
    "gregory": ((), ("greg",)),
    "stuart": (("stewart",), ("stu",)),
    "elizabeth": ((), ("liz", "lizzie", "beth", "betty")),
    "margaret": ((), ("maggie", "meg", "peggy")),
    "jennifer": ((), ("jen", "jenny")),
    "rebecca": ((), ("becky",)),
    "victoria": ((), ("vicky", "vikki")),
    "joanne": (("joanna",), ("jo",)),
}  # fmt: skip


def _build() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    by_form: dict[str, set[str]] = {}
    by_key: dict[str, set[str]] = {}
    for canonical, (spellings, short) in _TABLE.items():
        for form in (canonical, *spellings, *short):
            by_form.setdefault(form, set()).add(canonical)
        for form in (canonical, *spellings):
            by_key.setdefault(name_key(form), set()).add(canonical)
    return (
        {k: frozenset(v) for k, v in by_form.items()},
        {k: frozenset(v) for k, v in by_key.items()},
    )


_BY_FORM, _BY_KEY = _build()

#: Keys of well-known given names: evidence, when a record does not say, of which part of a
#: name is the given name.
GIVEN_NAME_KEYS: frozenset[str] = frozenset(_BY_KEY)


@lru_cache(maxsize=1 << 14)
def given_name_variants(token: str) -> frozenset[str]:
    """Canonical forms of a given name: {aleksandar, aleksandra} for Saša, {william} for Bill.

    A name the table does not know is its own canonical form (its latinised spelling), so two
    given names are variants of each other when their sets intersect. Any script is accepted.
    """
    form = "".join(name_tokens(token))
    if not form:
        return frozenset()
    known = _BY_FORM.get(form)
    if known is None and len(key := name_key(form)) >= 3:
        known = _BY_KEY.get(key)
    return known or frozenset({form})
