"""The screening index: listed entities prepared once for fast matching.

Every listed name is parsed and keyed when the index is built (script- and romanisation-
insensitive keys from `corridor.normalise`, the same ones search and resolution use), so a query
costs one parse and a few dictionary lookups. Candidates are the listed entities sharing the
rarest name keys with the query, or an identifier, phone or plate.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from followthemoney import model
from followthemoney.types import registry
from rigour.names import remove_obj_prefixes

from corridor.model.classification import Classification
from corridor.model.scope import ReadScope
from corridor.normalise.dates import PartialDate, parse_partial_date
from corridor.normalise.names import ParsedName, parse_name
from corridor.normalise.nicknames import given_name_variants
from corridor.normalise.orgs import org_name
from corridor.normalise.phones import normalise_phone
from corridor.normalise.plates import normalise_plate
from corridor.normalise.spelling import ABJAD, name_key
from corridor.screen.rnames import RName, analyse, query_variants, script_of

_ID_CLEAN = re.compile(r"[^A-Z0-9]")
#: Endings of Slavic family names and patronymics (Timchenko, Rabinovich, Ivanchuk, …).
_SLAVIC = re.compile(r"(?:enko|chuk|czuk|vich|vych|vna|ovich|evich|ovna|evna|ski|sky|skiy|"
                     r"skaya|ov|ova|ev|eva|in|ina|yn|uk|yuk|ko|ak|ek|ic|vic)$")  # fmt: skip
ID_PROPS = ("passportNumber", "idNumber", "taxNumber", "registrationNumber", "innCode",
            "vatCode", "ogrnCode", "leiCode", "imoNumber", "swiftBic",
            "personalNumber")  # fmt: skip
#: Schemata a query may use, and what each can be compared with (yente refuses Vehicle; we don't).
QUERY_SCHEMATA = ("Thing", "LegalEntity", "Person", "Organization", "Company", "PublicBody",
                  "Vessel", "Airplane", "Vehicle", "UserAccount")  # fmt: skip


def clean_id(value: str) -> str | None:
    text = _ID_CLEAN.sub("", str(value).upper())
    return text if len(text) >= 4 else None  # shorter "identifiers" are noise ("N/A", "1")


_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class NameForm:
    """One name, parsed once: its parts, each part's key, and which parts are family names."""

    text: str
    parsed: ParsedName
    weak: bool = False
    part_keys: tuple[str, ...] = ()
    family: frozenset[int] = frozenset()
    spelt: tuple[str, ...] = ()  # parts as spelling compares them (see `spelling`)
    alt_keys: tuple[str, ...] = ()  # keys reading "ch" as "sh" (French romanisation), or ""
    key_set: frozenset[str] = frozenset()  # every key of the name, alternatives included
    key_index: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # key → parts
    kind: str = "ENT"  # PER, ORG, ENT (either) or OBJ (a vessel, aircraft or vehicle)
    note: str = ""  # how a query variant was read ("digits read as letters"), or ""
    script_keys: frozenset[str] = frozenset()  # letters of a CJK/Khmer/… name, for retrieval
    variants: tuple[frozenset[str], ...] = ()  # each part's given-name forms (`nickname`)
    abjad: bool = False  # written in an abjad (Arabic, Persian, Urdu): short vowels unwritten
    #: A person's parts where the family name is: those marked (a comma, capitals), or else the
    #: last part; none for other names (spelling is stricter between two family names).
    family_at: frozenset[int] = frozenset()
    _rn: Any = field(default=_UNSET, repr=False, compare=False)

    @property
    def rn(self) -> RName | None:
        """The name as rigour analyses it: on first use, not when the index is built (most
        listed names are never compared with anything, and rigour's analysis is two thirds
        of a build). `analyse` is a pure function of the text, so this is deterministic."""
        rn = self._rn
        if rn is _UNSET:
            rn = analyse(self.text, self.kind)
            object.__setattr__(self, "_rn", rn)
        return rn  # type: ignore[no-any-return]


#: The kind of name each schema carries, as rigour tags it.
KINDS = {"Person": "PER", "Organization": "ORG", "Company": "ORG", "PublicBody": "ORG",
         "Vessel": "OBJ", "Airplane": "OBJ", "Vehicle": "OBJ"}  # fmt: skip


def name_form(text: str, weak: bool = False, kind: str = "ENT", note: str = "") -> NameForm | None:
    """A parsed name, or None where nothing of it is a name. An organisation's keys are those
    of its name without legal forms (`org_name`): "Siemens AG" and "Siemens
    Aktiengesellschaft" share them, and "C.B.A." is one part, not three initials."""
    script, letters = script_of(text)
    script_keys = frozenset("§" + ch for ch in letters)
    source = org_name(text).core if kind == "ORG" else text
    if kind == "OBJ":  # M/T Batis is the Batis (rigour's list of vessel prefixes)
        source = remove_obj_prefixes(source) or source
    parsed = parse_name(source)
    if not parsed.keys:
        if not script:
            return None
        return NameForm(text, parsed, weak, kind=kind, note=note, script_keys=script_keys)
    # Family names the writer marked (a comma, capitals), or an Arabic tribal name (al-…):
    # weaker evidence (a part's ending, learnt roles) misreads typos and Spanish names.
    family: frozenset[int] = frozenset()
    if parsed.family and (
        parsed.order in ("comma", "capitals")
        or (parsed.order == "evidence" and all(f in parsed.articles for f in parsed.family))
    ):
        family = frozenset(i for i, part in enumerate(parsed.parts) if part in parsed.family)
    part_keys = tuple(name_key(part) for part in parsed.parts)
    spelt = tuple(spelling(part) for part in parsed.parts)
    # French romanisations of Arabic write sh as ch (Charkaoui for Sharqawi, Chami for Shami);
    # the key reads ch as k (Slavic č, Italian ch), so the other reading is kept beside it,
    # but not for a Slavic name, whose ch is never sh (Timchenko is not Tymoshenko).
    alt = tuple(
        name_key(p.replace("ch", "sh")) if "ch" in p and not _SLAVIC.search(p) else ""
        for p in parsed.parts
    )
    key_set = frozenset(part_keys) | frozenset(alt)
    key_index: dict[str, tuple[int, ...]] = {}
    for j, keys in enumerate(zip(part_keys, alt, strict=True)):
        for key in dict.fromkeys(keys):
            if key:
                key_index[key] = (*key_index.get(key, ()), j)
    variants = tuple(given_name_variants(part) for part in parsed.parts)
    family_at = (family or frozenset({len(parsed.parts) - 1})) if kind == "PER" else frozenset()
    return NameForm(text, parsed, weak, part_keys, family, spelt, alt, key_set - {""}, key_index,
                    kind, note, script_keys, variants, ABJAD.search(text) is not None,
                    family_at)  # fmt: skip


def spelling(part: str) -> str:
    """A part as spelling compares it: an Arabic article joined to it (al-, el-) carries no
    identity, and left on would make any two al- names look alike (al-Barnawi, al-Cardinal)."""
    return part[2:] if part[:2] in ("al", "el") and len(part) > 4 else part


@dataclass(slots=True)
class Profile:
    """What matching needs of one entity (a listed one, or a query)."""

    schema: str
    names: list[NameForm] = field(default_factory=list)
    dates: list[PartialDate] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    plates: set[str] = field(default_factory=set)
    genders: set[str] = field(default_factory=set)
    #: For a query: how many listed entities bear every one of some name keys (`ScreeningIndex.
    #: holders`), set by the search that scores it; None where there is no list to ask.
    holders: Callable[[tuple[str, ...]], int] | None = None

    @property
    def keys(self) -> set[str]:
        return {k for n in self.names for k in (*n.key_set, *n.script_keys)}


def _values(props: Mapping[str, Sequence[str]], *names: str) -> list[str]:
    return [str(v) for n in names for v in props.get(n, ()) if v is not None and str(v).strip()]


def profile(schema: str, props: Mapping[str, Sequence[str]]) -> Profile:
    """A profile from FtM-style properties (a listed entity's, or a query's)."""
    p = Profile(schema)
    kind = KINDS.get(schema, "ENT")
    strong = _values(props, "name", "alias", "previousName")
    if not strong and (props.get("firstName") or props.get("lastName")):
        parts = _values(props, "firstName", "secondName", "middleName", "fatherName", "lastName")
        strong = [" ".join(parts)]
    for weak, texts in ((False, strong), (True, _values(props, "weakAlias"))):
        for text in dict.fromkeys(texts):
            form = name_form(text, weak, kind)
            if form is not None:
                p.names.append(form)
            # Other readings (digits for letters, run-together names, titles): the best counts.
            for variant, note in query_variants(text, kind):
                form = name_form(variant, weak, kind, note)
                if form is not None:
                    p.names.append(form)
    for text in _values(props, "birthDate", "incorporationDate", "buildDate"):
        date = parse_partial_date(text)
        if date is not None:
            p.dates.append(date)
    for text in _values(props, "nationality", "citizenship", "country", "jurisdiction"):
        code = registry.country.clean(text)
        if code:
            p.countries.add(code)
    for text in _values(props, *ID_PROPS):
        cleaned = clean_id(text)
        if cleaned:
            p.ids.add(cleaned)
    for text in _values(props, "phone"):
        e164 = normalise_phone(text)
        if e164:
            p.phones.add(e164)
    if schema == "Vehicle" or (props.get("registrationNumber") and schema in ("Vehicle", "Thing")):
        for text in _values(props, "registrationNumber"):
            plate = normalise_plate(text)
            if plate:
                p.plates.add(plate)
    for text in _values(props, "gender"):
        g = text.strip().lower()[:1]
        if g in ("m", "f"):
            p.genders.add(g)
    return p


def _object_grams(prof: Profile) -> set[str]:
    """Letter trigrams of a vessel's, aircraft's or vehicle's names (nothing for others)."""
    grams: set[str] = set()
    for form in prof.names:
        if form.kind == "OBJ":
            word = "".join(form.spelt)
            grams.update(word[i : i + 3] for i in range(len(word) - 2))
    return grams


@dataclass(slots=True)
class Listed:
    """A listed entity in the index: its FtM data, its profile, where it comes from, and the
    classification and owning agency of a national watchlist entry (public lists: OFFICIAL)."""

    entity: dict[str, Any]
    dataset: str
    profile: Profile
    classification: int = int(Classification.OFFICIAL)
    agency: str | None = None


#: A name key borne by more listed entities than this selects no candidates (a key on everyone
#: selects no one).
MAX_POSTINGS = 5_000


class ScreeningIndex:
    """Listed entities of one or more datasets, with inverted indexes on their keys."""

    def __init__(self) -> None:
        self.entities: list[Listed] = []
        self.by_id: dict[str, int] = {}
        self._names: dict[str, list[int]] = defaultdict(list)
        self._ids: dict[str, list[int]] = defaultdict(list)
        self._phones: dict[str, list[int]] = defaultdict(list)
        self._plates: dict[str, list[int]] = defaultdict(list)
        self._idf: dict[str, float] = {}
        #: Key → its postings as an array, and each posting's weight (the key's idf), for the
        #: keys that select (`MAX_POSTINGS` or fewer); built by `freeze`, or on first use.
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
        self._holders: dict[tuple[str, ...], int] = {}
        self._grams: dict[str, list[int]] = defaultdict(list)  # vessels' letter trigrams
        self.versions: dict[str, Any] = {}  # dataset → its latest ListVersion
        #: dataset → the (classification, agency) markings its entries bear
        self.markings: dict[str, set[tuple[int, str | None]]] = defaultdict(set)

    def add(self, dataset: str, entity: dict[str, Any]) -> None:
        schema = model.get(entity.get("schema") or "")
        if schema is None:
            return
        prof = profile(schema.name, entity.get("properties") or {})
        index = len(self.entities)
        prov = entity.get("provenance") or {}
        marking = Classification.parse(prov["classification"]) if prov else Classification.OFFICIAL
        self.entities.append(Listed(entity, dataset, prof, int(marking), prov.get("agency")))
        self.markings[dataset].add((int(marking), prov.get("agency")))
        self.by_id[str(entity["id"])] = index
        for key in prof.keys:
            self._names[key].append(index)
        self._arrays = None
        for gram in _object_grams(prof):
            self._grams[gram].append(index)
        for value in prof.ids:
            self._ids[value].append(index)
        for value in prof.phones:
            self._phones[value].append(index)
        for value in prof.plates:
            self._plates[value].append(index)

    def freeze(self) -> None:
        """Compute how rare each name key is; rare keys pick candidates first."""
        n = max(len(self.entities), 1)
        self._idf = {k: math.log((n + 1) / (len(v) + 1)) + 1 for k, v in self._names.items()}
        self._holders.clear()
        self._arrays = None
        self._posting_arrays()

    def _posting_arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        if self._arrays is None:
            self._arrays = {
                key: (np.asarray(v, dtype=np.int64), np.full(len(v), self._idf.get(key, 1.0)))
                for key, v in self._names.items()
                if 0 < len(v) <= MAX_POSTINGS
            }
        return self._arrays

    def __len__(self) -> int:
        return len(self.entities)

    def holders(self, keys: tuple[str, ...]) -> int:
        """How many listed entities bear every one of `keys` among their names' keys: of how
        many listed people a partial name could be a part (memoised: the index is fixed once
        built, and the same common parts come back query after query)."""
        found = self._holders.get(keys)
        if found is None:
            postings = sorted((self._names.get(k, ()) for k in set(keys)), key=len)
            if not postings or not postings[0]:
                found = 0
            else:
                common = set(postings[0])
                for more in postings[1:]:
                    common.intersection_update(more)
                    if not common:
                        break
                found = len(common)
            if len(self._holders) > 100_000:
                self._holders.clear()
            self._holders[keys] = found
        return found

    def analyse_names(self) -> None:
        """Have rigour analyse every listed name now rather than on first use (`NameForm.rn`)."""
        for listed in self.entities:
            for form in listed.profile.names:
                _ = form.rn

    def visible(self, dataset: str, scope: ReadScope) -> bool:
        """Whether a reader may know a dataset exists: one of its entries is within their
        scope, or it has none (a list loaded empty discloses nothing)."""
        marks = self.markings.get(dataset)
        if not marks:
            return dataset in self.versions
        return any(scope.allows(c, agency) for c, agency in marks)

    def floor(self, dataset: str) -> int:
        """The lowest classification among a dataset's entries: naming it discloses that much."""
        levels = [c for c, _ in self.markings.get(dataset, ())]
        return min(levels) if levels else int(Classification.OFFICIAL)

    def candidates(
        self, query: Profile, datasets: Iterable[str] | None = None, limit: int = 50
    ) -> list[int]:
        """Listed entities worth scoring: sharing an identifier, phone or plate, or the most
        (and rarest) name keys with the query."""
        wanted = set(datasets) if datasets is not None else None
        strong: set[int] = set()
        for value in query.ids:
            strong.update(self._ids.get(value, ()))
        for value in query.phones:
            strong.update(self._phones.get(value, ()))
        for value in query.plates:
            strong.update(self._plates.get(value, ()))
        # Each listed entity's weight: the idf of every query key it bears (a key on more than
        # `MAX_POSTINGS` entities selects no one), summed on arrays: the postings of common
        # keys run to thousands, and this runs on every query. Each entity's sum is added up
        # in the same order as one key at a time would, so the weights are the same floats.
        arrays = self._posting_arrays()
        found = [arrays[key] for key in query.keys if key in arrays]
        # A vessel's name is often one word, and a slip in it changes its only key: its letter
        # trigrams find it (half of the query's in common), as rigour's do for people's.
        grams = _object_grams(query)
        weights: dict[int, float] = defaultdict(float)
        if found:
            # Summed into one slot per listed entity (cheaper than sorting the postings to find
            # the distinct ones); every idf is at least 1, so the entities found are the slots
            # above 0, in order.
            every = np.bincount(
                np.concatenate([a for a, _ in found]),
                weights=np.concatenate([w for _, w in found]),
                minlength=len(self.entities),
            )
            indexes = np.flatnonzero(every)
            sums = every[indexes]
            if not grams and wanted is None and not strong:
                order = np.lexsort((indexes, -sums))[:limit]
                return [int(i) for i in indexes[order]]
            weights.update(zip(indexes.tolist(), sums.tolist(), strict=True))
        if grams:
            shared: dict[int, int] = defaultdict(int)
            for gram in grams:
                for index in self._grams.get(gram, ()):
                    shared[index] += 1
            need = max(2, len(grams) // 2)
            for index, n in shared.items():
                if n >= need:
                    weights[index] += n / len(grams)
        if wanted is not None:  # before ranking, so a small list is not crowded out by a big one
            strong = {i for i in strong if self.entities[i].dataset in wanted}
            weights = {i: v for i, v in weights.items() if self.entities[i].dataset in wanted}
        ranked = heapq.nsmallest(limit, weights, key=lambda i: (-weights[i], i))
        return list(dict.fromkeys([*sorted(strong), *ranked]))
