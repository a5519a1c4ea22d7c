"""List loaders: the real UN, OFAC, EU and OpenSanctions files, the UK list in its published
layout, national watchlists, and every kind of malformed input."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from followthemoney.types import registry
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED_DATA
from corridor.errors import InputError
from corridor.plugins import LIST_FORMATS
from corridor.scenario import build_scenario
from corridor.screen.listed import ListedEntity, birth_dates, text_dates
from corridor.screen.loaders import detect_format, read_list
from corridor.screen.loaders.ofac import parse_remarks

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

SANCTIONS = SHARED_DATA / "sanctions"
UN_XML = SANCTIONS / "un_consolidated_2026-02-27.xml"
OFAC_DIR = SANCTIONS / "ofac_sdn_2021"
EU_CSV = SANCTIONS / "eu_belarus_32006R0765.csv"
FTM_JSON = SANCTIONS / "opensanctions_sample.ftm.json"
DATA = Path(__file__).parent / "data"
UK_CSV = DATA / "uk_sanctions_list.csv"
UK_XML = DATA / "uk_sanctions_list.xml"
RS_WATCHLIST = DATA / "rs_watchlist.csv"
GIM = "Global Irregular Migration and Trafficking in Persons"


def by_id(items: list[ListedEntity]) -> dict[str, ListedEntity]:
    return {str(i.entity.id): i for i in items}


@pytest.fixture(scope="module")
def un() -> list[ListedEntity]:
    return list(read_list(UN_XML))


@pytest.fixture(scope="module")
def ofac() -> list[ListedEntity]:
    return list(read_list(OFAC_DIR))


@pytest.fixture(scope="module")
def eu() -> list[ListedEntity]:
    return list(read_list(EU_CSV))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    build_scenario(out, seed=7, scale=0.2)
    return out


def error_of(call: Callable[[], object]) -> InputError:
    with pytest.raises(InputError) as info:
        call()
    return info.value


def load(path: Path, fmt: str | None = None, mapping: Path | None = None) -> list[ListedEntity]:
    return list(read_list(path, fmt, mapping))


# --- format detection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (UN_XML, "un-xml"),
        (OFAC_DIR, "ofac-csv"),
        (OFAC_DIR / "sdn.csv", "ofac-csv"),
        (EU_CSV, "eu-csv"),
        (FTM_JSON, "ftm"),
        (UK_CSV, "uk-csv"),
        (UK_XML, "uk-xml"),
        (RS_WATCHLIST, "watchlist"),
    ],
)
def test_detect_format(path: Path, fmt: str) -> None:
    assert fmt in LIST_FORMATS
    assert detect_format(path) == fmt


def test_detect_format_by_content_not_name(tmp_path: Path) -> None:
    renamed = shutil.copy(UK_XML, tmp_path / "download.bin")
    assert detect_format(Path(renamed)) == "uk-xml"
    other = tmp_path / "list.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert error_of(lambda: detect_format(other)).file == "list.csv"


def test_unknown_format_and_missing_mapping(tmp_path: Path) -> None:
    err = error_of(lambda: read_list(UN_XML, "pdf"))
    assert err.field == "format"
    lone = shutil.copy(RS_WATCHLIST, tmp_path / "lone.csv")
    err = error_of(lambda: read_list(Path(lone), "watchlist"))
    assert (err.file, err.field) == ("lone.csv", "mapping")


# --- UN -------------------------------------------------------------------------------------


def test_un_counts(un: list[ListedEntity]) -> None:
    schemata = Counter(i.entity.schema.name for i in un)
    assert schemata == {"Person": 730, "Organization": 273}
    assert len(by_id(un)) == 1003
    assert all(i.sanction is not None and i.sanction.first("entity") == i.entity.id for i in un)


def test_un_libya_migrant_traffickers(un: list[ListedEntity]) -> None:
    libya = [i for i in un if i.sanction is not None and i.sanction.first("programId") == "UN-LY"]
    assert len(libya) == 30
    traffickers = {
        str(i.entity.id)
        for i in libya
        if any("trafficking network" in p for p in i.entity.get("position", quiet=True))
    }
    assert traffickers == {"un-LYi.021", "un-LYi.022", "un-LYi.023", "un-LYi.024"}
    dabbashi = by_id(un)["un-LYi.023"]
    e = dabbashi.entity
    assert e.get("name") == ["Ahmad Oumar Imhamad al-Fitouri"]
    assert (e.first("firstName"), e.first("lastName")) == ("Ahmad", "al-Fitouri")
    assert "احمد عمر امحمد الفيتوري" in e.get("alias")  # NAME_ORIGINAL_SCRIPT
    assert {"Al Dabbashi", "The Uncle"} <= set(e.get("weakAlias"))  # QUALITY Low
    assert e.get("birthDate") == ["1988-05-07"]
    assert e.get("nationality") == ["ly"]
    assert e.get("passportNumber") == ["LY53FP76"]
    assert e.get("idNumber") == ["119880387067"]
    assert "sanction" in e.get("topics")
    assert dabbashi.sanction is not None
    s = dabbashi.sanction
    assert s.get("program") == ["Libya sanctions (resolution 1970)"]
    assert (s.first("authority"), s.first("unscId")) == ("UN Security Council", "LYi.023")
    assert s.get("listingDate") == ["2018-06-07"]
    assert dabbashi.where == "INDIVIDUAL 287 (LYi.023)"


def test_un_partial_dates_and_entities(un: list[ListedEntity]) -> None:
    items = by_id(un)
    ermias = items["un-LYi.021"].entity  # TYPE_OF_DATE APPROXIMATELY, YEAR 1980
    assert ermias.get("birthDate") == ["1980"]
    assert ermias.get("weakAlias") == ["Ermies Ghermay", "Ermias Ghirmay"]
    badege = items["un-CDi.001"].entity
    assert (badege.get("birthDate"), badege.get("gender")) == (["1971"], ["male"])
    assert items["un-CDi.030"].entity.get("birthDate") == ["1973", "1974"]  # BETWEEN 1973–1974
    # An entity listed under two names separated by ";" keeps both as aliases.
    glbc = items["un-CDe.003"].entity
    assert glbc.schema.name == "Organization"
    assert "GREAT LAKES BUSINESS COMPANY (GLBC)" in glbc.get("alias")
    assert "cd" in glbc.get("country")


def test_un_ids_are_stable_across_loads(un: list[ListedEntity]) -> None:
    again = load(UN_XML)
    assert [i.entity.id for i in again] == [i.entity.id for i in un]
    assert [i.entity.to_dict() for i in again[:50]] == [i.entity.to_dict() for i in un[:50]]


# --- OFAC -----------------------------------------------------------------------------------


def test_ofac_counts(ofac: list[ListedEntity]) -> None:
    assert len(ofac) == 8976
    assert len(by_id(ofac)) == 8976
    assert Counter(i.entity.schema.name for i in ofac) == {
        "Person": 4620, "Organization": 3673, "Vessel": 406, "Airplane": 277,
    }  # fmt: skip


def test_ofac_entries(ofac: list[ListedEntity]) -> None:
    items = by_id(ofac)
    person = items["ofac-7205"]
    e = person.entity
    assert e.get("name") == ["BOUCHOUCHA, Mokhtar"]
    assert (e.first("lastName"), e.first("firstName")) == ("BOUCHOUCHA", "Mokhtar")
    assert set(e.get("alias")) == {  # from alt.csv
        "BUSHUSHA, Mokhtar", "BOUCHOUCHA, Al-Mokhtar Ben Mohamed Ben Al-Mokhtar",
    }  # fmt: skip
    assert e.get("birthDate") == ["1969-10-13"]  # from Remarks
    assert e.get("passportNumber") == ["K754050"]
    assert e.get("nationality") == ["tn"]
    assert e.get("address") == ["Via Milano n.38, Spinadesco, CR, Italy"]
    assert person.sanction is not None
    assert person.sanction.get("program") == ["SDGT"]
    assert person.sanction.first("authority") == "US OFAC"
    bank = items["ofac-306"].entity
    assert bank.get("alias") == ["NATIONAL BANK OF CUBA"]
    assert bank.get("weakAlias") == ["BNC"]  # a.k.a. in Remarks: OFAC's weak aliases
    assert len(bank.get("address")) == 4
    vessel = items["ofac-4234"].entity
    assert (vessel.schema.name, vessel.get("callSign"), vessel.get("flag")) == (
        "Vessel", ["CL2685"], ["cu"],
    )  # fmt: skip
    plane = items["ofac-15431"].entity
    assert plane.get("registrationNumber") == ["EP-GOM"]
    assert plane.get("model") == ["IL76-TD"]
    balkans = [i for i in ofac if i.sanction is not None and "BALKANS" in i.sanction.get("program")]
    assert len(balkans) == 193


def test_ofac_remarks_parser() -> None:
    parsed = parse_remarks(
        "DOB 12 Mar 1965; alt. DOB circa 1966; POB Baghdad, Iraq; nationality Iraq; "
        "Passport 12345 (Iraq) issued 01 Jan 2001; a.k.a. 'ABU ALI'; Gender Male; "
        "Vessel Registration Identification IMO 9387798; Linked To: SOMEONE."
    )
    assert parsed.weak_aliases == ["ABU ALI"]
    assert set(parsed.values) == {
        ("birthDate", "1965-03-12"), ("birthDate", "1966"), ("birthPlace", "Baghdad, Iraq"),
        ("nationality", "Iraq"), ("passportNumber", "12345"), ("gender", "Male"),
        ("imoNumber", "IMO9387798"),
    }  # fmt: skip
    assert parse_remarks("DOB 1951 to 1953").values == [
        ("birthDate", "1951"), ("birthDate", "1952"), ("birthDate", "1953"),
    ]  # fmt: skip


_LABELS = [
    "DOB ",
    "alt. DOB circa ",
    "POB ",
    "nationality ",
    "Passport ",
    "a.k.a. '",
    "MMSI ",
    "Vessel Registration Identification IMO ",
    "Gender ",
    "Phone Number ",
    "DOB 1 Jan ",
]
_REMARKS = st.lists(
    st.tuples(st.sampled_from(_LABELS), st.text(max_size=20)).map("".join), max_size=6
).map("; ".join)


@settings(max_examples=300, deadline=None)
@given(st.text() | _REMARKS)
def test_ofac_remarks_parser_never_raises(text: str) -> None:
    parsed = parse_remarks(text)
    for prop, value in parsed.values:
        assert value
        if prop in ("birthDate", "incorporationDate", "buildDate"):
            assert registry.date.clean(value) == value


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 ./-toircaJanSepMrch"), max_size=40))
def test_text_dates_are_valid_ftm_dates(text: str) -> None:
    for value in text_dates(text) + birth_dates(text):
        assert registry.date.clean(value) == value


# --- EU -------------------------------------------------------------------------------------


def test_eu_counts_and_entries(eu: list[ListedEntity]) -> None:
    with EU_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    listed = {(r["annex"], r["recordId"] or r["name"]) for r in rows if r["schema"] != "Asset"}
    assert len(eu) == len(by_id(eu)) == len(listed) == 407
    assert Counter(i.entity.schema.name for i in eu) == {"Person": 312, "LegalEntity": 95}
    items = by_id(eu)
    first = items["eu-EU-BLR-I.A-1"]
    e = first.entity
    assert e.get("name") == ["Uladzimir Uladzimiravich NAVUMAU"]
    assert "Владимир Владимирович НАУМОВ" in e.get("alias")
    assert e.get("birthDate") == ["1956-02-07"]
    assert first.sanction is not None
    assert first.sanction.get("listingDate") == ["2004-09-24"]
    assert first.sanction.get("program") == ["EU-BLR"]
    assert first.where == 2
    # Record 1 of annex I.B is a different entity from record 1 of annex I.A.
    assert items["eu-EU-BLR-I.B-1"].entity.get("name") == ["Beltechexport"]
    assert items["eu-EU-BLR-I.B-1"].entity.get("registrationNumber") == ["100138662"]
    sheiman = items["eu-EU-BLR-I.A-3"].entity
    assert sheiman.get("name") == ["Viktar Uladzimiravich SHEIMAN"]
    assert "Viktar Uladzimiravich SHEYMAN" in sheiman.get("alias")
    # "Belarusian" (192 rows), "Russian, Belarusian", "Russian and Belarusian" → by.
    assert sum("by" in i.entity.get("nationality", quiet=True) for i in eu) == 195
    migration = [i for i in eu if i.sanction and "migra" in (i.sanction.first("reason") or "")]
    assert len(migration) == 14  # officials listed for instrumentalising migrants


# --- OpenSanctions FtM ----------------------------------------------------------------------


def test_ftm_sample() -> None:
    listed = load(FTM_JSON)
    entities = by_id(listed)
    assert Counter(i.entity.schema.name for i in entities.values()) == {"Company": 11, "Person": 6}
    sanctioned = [i for i in listed if i.sanction is not None]
    assert len(sanctioned) == 41  # every Sanction of the file points at a matchable entity
    assert all(i.sanction.first("entity") == i.entity.id for i in sanctioned if i.sanction)
    assert all("sanction" in i.entity.get("topics") for i in sanctioned)
    person = entities["NK-2Tbri3s6GgNtAwsSXh4qpL"].entity
    assert "Maria Aleksandrovna OSETROVA" in person.get("name")
    assert person.get("birthDate") == ["1988-01-07"]


# --- UK -------------------------------------------------------------------------------------


def test_uk_csv_and_xml() -> None:
    from_csv = load(UK_CSV)
    from_xml = load(UK_XML)
    assert [i.entity.to_dict() for i in from_csv] == [i.entity.to_dict() for i in from_xml]
    assert [i.sanction.to_dict() for i in from_csv if i.sanction] == [
        i.sanction.to_dict() for i in from_xml if i.sanction
    ]
    items = by_id(from_csv)
    assert list(items) == ["gb-GIM0001", "gb-GIM0002", "gb-GIM0003", "gb-GIM0004", "gb-LIB0021"]
    leader = items["gb-GIM0001"]
    e = leader.entity
    assert e.schema.name == "Person"
    assert e.get("name") == ["Arben HASANI"]
    assert (e.first("firstName"), e.first("lastName")) == ("Arben", "HASANI")
    assert set(e.get("alias")) == {"Arben HASSANI", "Arben HASANAJ", "Арбен Хасани"}
    assert e.get("weakAlias") == ["BENI"]
    assert e.get("birthDate") == ["1979-03-14"]
    assert e.get("nationality") == ["al", "xk"]
    assert e.get("passportNumber") == ["BA1234567"]
    assert leader.sanction is not None
    assert leader.sanction.get("program") == [GIM]
    assert leader.sanction.first("authority") == "UK FCDO"
    assert leader.sanction.get("listingDate") == ["2025-07-23"]
    assert "Director Disqualification Sanction" in leader.sanction.get("provisions")
    assert leader.where == 3 and from_xml[0].where == "Designation 1 (GIM0001)"
    banker = items["gb-GIM0002"].entity
    assert banker.get("birthDate") == ["1985"]  # 00/00/1985
    assert "کاروان صالح ئەحمەد" in banker.get("alias")
    assert banker.get("weakAlias") == ["Kak KARWAN"]
    agency = items["gb-GIM0003"].entity
    assert agency.schema.name == "Organization"
    assert agency.get("registrationNumber") == ["21654789"]
    assert agency.get("phone") == ["+381215550101"]
    un_listing = items["gb-LIB0021"]
    assert un_listing.sanction is not None
    assert un_listing.sanction.get("unscId") == ["LYi.021"]


def test_uk_ids_survive_a_new_version(tmp_path: Path) -> None:
    """A later list drops one designation and reorders the rest: the others keep their ids and
    content, so a reload reports one delisting and no changes."""
    with UK_CSV.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    preamble, header, rows = lines[0], lines[1], lines[2:]
    uid = header.index("Unique ID")
    kept = [r for r in rows if r[uid] != "GIM0004"]
    kept.sort(key=lambda r: r[uid], reverse=True)
    newer = tmp_path / "uk_newer.csv"
    with newer.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([preamble, header, *kept])
    before = {k: v.entity.to_dict() for k, v in by_id(load(UK_CSV)).items()}
    after = {k: v.entity.to_dict() for k, v in by_id(load(newer)).items()}
    assert set(before) - set(after) == {"gb-GIM0004"}
    assert all(after[k] == before[k] for k in after)


# --- watchlists -----------------------------------------------------------------------------


def test_scenario_watchlist(scenario: Path) -> None:
    uk = scenario / "uk"
    persons = load(uk / "watchlist_persons.csv", mapping=uk / "watchlist_persons.mapping.yml")
    vehicles = load(uk / "watchlist_vehicles.csv", mapping=uk / "watchlist_vehicles.mapping.yml")
    with (scenario / "truth" / "watchlist.csv").open(encoding="utf-8") as f:
        truth = {r["entry_id"]: r["kind"] for r in csv.DictReader(f)}
    loaded = {str(i.entity.id): i for i in persons + vehicles}
    assert set(loaded) == set(truth)
    kinds = {"person": "Person", "vehicle": "Vehicle"}
    assert all(loaded[k].entity.schema.name == kinds[v] for k, v in truth.items())
    with (uk / "watchlist_vehicles.csv").open(encoding="utf-8") as f:
        plates = {r["entry_id"]: r["plate"] for r in csv.DictReader(f)}
    assert {k: loaded[k].entity.first("registrationNumber") for k in plates} == plates
    with (uk / "watchlist_persons.csv").open(encoding="utf-8") as f:
        phones = {r["entry_id"]: set(r["phones"].split(";")) - {""} for r in csv.DictReader(f)}
    assert any(phones.values())
    assert {k: set(loaded[k].entity.get("phone")) for k in phones} == phones
    listing = loaded[next(iter(plates))]
    assert listing.provenance is not None
    assert listing.provenance.agency == "GB-NCA"
    assert listing.provenance.classification.label == "OFFICIAL-SENSITIVE"
    assert listing.sanction is not None
    assert listing.sanction.get("authority") == ["GB-NCA"]


def test_watchlist_phones_become_user_accounts() -> None:
    items = by_id(load(RS_WATCHLIST))
    assert items["rs-wl-001"].entity.schema.name == "Person"
    assert items["rs-wl-001"].entity.get("birthDate") == ["1980-05-03"]
    phone = items["rs-wl-002"].entity
    assert phone.schema.name == "UserAccount"
    assert phone.get("phone") == phone.get("name") == ["+381641112233"]  # dialled in Serbia
    burners = items["rs-wl-003"].entity
    assert burners.get("phone") == ["+381625551234", "+381635559876"]
    assert items["rs-wl-002"].where == 3


# --- malformed input ------------------------------------------------------------------------


def _copy_text(src: Path, dst: Path, edit: Callable[[str], str]) -> Path:
    dst.write_text(edit(src.read_text(encoding="utf-8")), encoding="utf-8")
    return dst


def test_un_malformed(tmp_path: Path) -> None:
    head = UN_XML.read_text(encoding="utf-8")[:200_000]
    cut = head[: head.rindex("</INDIVIDUAL>")]
    broken = tmp_path / "un.xml"
    broken.write_text(
        cut + "</INDIVIDUAL>\n<INDIVIDUAL><DATAID>1</DATAID></INDIV>", encoding="utf-8"
    )
    err = error_of(lambda: load(broken, "un-xml"))
    assert (err.file, err.line) == ("un.xml", cut.count("\n") + 2)
    bad_date = _copy_text(UN_XML, tmp_path / "un_date.xml", lambda t: t.replace(
        "<DATE>1988-05-07</DATE>", "<DATE>1988-13-07</DATE>"))  # fmt: skip
    err = error_of(lambda: load(bad_date))
    assert (err.file, err.item, err.field) == ("un_date.xml", "INDIVIDUAL 287 (LYi.023)", "DATE")
    no_ref = _copy_text(UN_XML, tmp_path / "un_ref.xml", lambda t: t.replace(
        "<REFERENCE_NUMBER>CDi.002</REFERENCE_NUMBER>", ""))  # fmt: skip
    err = error_of(lambda: load(no_ref))
    assert (err.item, err.field) == ("INDIVIDUAL 2", "REFERENCE_NUMBER")
    no_name = _copy_text(UN_XML, tmp_path / "un_name.xml", lambda t: t.replace(
        "<FIRST_NAME>ADF</FIRST_NAME>", "<FIRST_NAME/>"))  # fmt: skip
    err = error_of(lambda: load(no_name))
    assert (err.item, err.field) == ("ENTITY 1 (CDe.001)", "FIRST_NAME")
    wrong = tmp_path / "other.xml"
    wrong.write_text("<?xml version='1.0'?><CONSOLIDATED><X/></CONSOLIDATED>", encoding="utf-8")
    assert error_of(lambda: load(wrong, "un-xml")).file == "other.xml"


OFAC_SDN = [
    '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
    '1572,"NORIEGA, Manuel Antonio","individual","CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    "\"DOB 11 Feb 1934; a.k.a. 'CARA'.\"",
]
OFAC_ADD = ['36,25,-0- ,"Havana","Cuba",-0- ', '1572,1,-0- ,-0- ,"Panama",-0- ']
OFAC_ALT = ['36,12,"aka","AERO-CARIBBEAN",-0- ']


def _ofac(folder: Path, sdn: list[str], add: list[str], alt: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, lines in (("sdn.csv", sdn), ("add.csv", add), ("alt.csv", alt)):
        (folder / name).write_text("\r\n".join(lines) + "\r\n\x1a", encoding="ascii")
    return folder


def test_ofac_small_trio(tmp_path: Path) -> None:
    items = by_id(load(_ofac(tmp_path / "ok", OFAC_SDN, OFAC_ADD, OFAC_ALT)))
    assert items["ofac-36"].entity.get("alias") == ["AERO-CARIBBEAN"]
    noriega = items["ofac-1572"].entity
    assert (noriega.get("birthDate"), noriega.get("weakAlias")) == (["1934-02-11"], ["CARA"])
    assert load(tmp_path / "ok" / "sdn.csv")[0].entity.id == "ofac-36"


def test_ofac_malformed(tmp_path: Path) -> None:
    short = [*OFAC_SDN, '99,"SHORT ROW","individual"']
    err = error_of(lambda: load(_ofac(tmp_path / "a", short, OFAC_ADD, OFAC_ALT)))
    assert (err.file, err.line) == ("sdn.csv", 3)
    orphan = [*OFAC_ALT, '77,13,"aka","NOBODY",-0- ']
    err = error_of(lambda: load(_ofac(tmp_path / "b", OFAC_SDN, OFAC_ADD, orphan)))
    assert (err.file, err.line, err.field) == ("alt.csv", 2, "ent_num")
    nameless = [OFAC_SDN[0], OFAC_SDN[1].replace('"NORIEGA, Manuel Antonio"', "-0- ")]
    err = error_of(lambda: load(_ofac(tmp_path / "c", nameless, OFAC_ADD, OFAC_ALT)))
    assert (err.line, err.field) == (2, "SDN_Name")
    kind = [OFAC_SDN[0].replace("-0- ", '"submarine"', 1)]
    err = error_of(lambda: load(_ofac(tmp_path / "d", kind, OFAC_ADD[:1], OFAC_ALT)))
    assert (err.line, err.field) == (1, "SDN_Type")
    bad_num = [OFAC_SDN[0].replace("36,", "3x6,", 1)]
    err = error_of(lambda: load(_ofac(tmp_path / "e", bad_num, [], [])))
    assert (err.file, err.line, err.field) == ("sdn.csv", 1, "ent_num")
    folder = _ofac(tmp_path / "f", OFAC_SDN, OFAC_ADD, OFAC_ALT)
    (folder / "alt.csv").unlink()
    assert error_of(lambda: load(folder, "ofac-csv")).file == "alt.csv"


def _eu_copy(tmp_path: Path, edit: Callable[[list[list[str]]], None]) -> Path:
    with EU_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    path = tmp_path / "eu.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows[:12])
    return path


def test_eu_malformed(tmp_path: Path) -> None:
    def col(rows: list[list[str]], name: str) -> int:
        return rows[0].index(name)

    def bad_start(rows: list[list[str]]) -> None:
        rows[3][col(rows, "startDate")] = "sometime in 2004"

    def bad_birth(rows: list[list[str]]) -> None:
        rows[5][col(rows, "birthDate")] = "unknown"

    def bad_schema(rows: list[list[str]]) -> None:
        rows[2][col(rows, "schema")] = "Spaceship"

    def no_name(rows: list[list[str]]) -> None:
        rows[4][col(rows, "name")] = ""

    def short(rows: list[list[str]]) -> None:
        rows[6] = rows[6][:10]

    def unknown_column(rows: list[list[str]]) -> None:
        rows[0][col(rows, "notes")] = "bogus_column"

    cases = [
        (bad_start, 4, "startDate"), (bad_birth, 6, "birthDate"), (bad_schema, 3, "schema"),
        (no_name, 5, "name"), (short, 7, None), (unknown_column, 1, "bogus_column"),
    ]  # fmt: skip
    for edit, line, field in cases:
        err = error_of(lambda edit=edit: load(_eu_copy(tmp_path, edit), "eu-csv"))
        assert (err.file, err.line, err.field) == ("eu.csv", line, field), edit.__name__


def test_uk_csv_malformed(tmp_path: Path) -> None:
    text = UK_CSV.read_text(encoding="utf-8-sig")
    bad_dob = _copy_text(
        UK_CSV, tmp_path / "uk1.csv", lambda t: t.replace("14/03/1979", "1979-03-14")
    )
    err = error_of(lambda: load(bad_dob, "uk-csv"))
    assert (err.file, err.line, err.field) == ("uk1.csv", 3, "D.O.B")
    kind = _copy_text(UK_CSV, tmp_path / "uk2.csv", lambda t: t.replace(",Entity,", ",Aircraft,"))
    err = error_of(lambda: load(kind, "uk-csv"))
    assert (err.line, err.field) == (10, "Designation Type")
    no_regime = _copy_text(
        UK_CSV, tmp_path / "uk3.csv", lambda t: t.replace("Regime Name", "Regime X")
    )
    err = error_of(lambda: load(no_regime, "uk-csv"))
    assert (err.line, err.field) == (2, "Regime Name")
    lines = text.splitlines()
    apart = tmp_path / "uk4.csv"
    apart.write_text("\n".join([*lines[:3], *lines[6:9], lines[3]]) + "\n", encoding="utf-8")
    err = error_of(lambda: load(apart, "uk-csv"))
    assert (err.line, err.field) == (7, "Unique ID")
    short = tmp_path / "uk5.csv"
    short.write_text("\n".join([*lines[:4], "23/07/2025,GIM0009"]) + "\n", encoding="utf-8")
    assert error_of(lambda: load(short, "uk-csv")).line == 5


def test_uk_xml_malformed(tmp_path: Path) -> None:
    bad_date = _copy_text(UK_XML, tmp_path / "uk.xml", lambda t: t.replace(
        "<DateDesignated>23/07/2025</DateDesignated>\n    <UniqueID>GIM0002",
        "<DateDesignated>2025-07-23</DateDesignated>\n    <UniqueID>GIM0002"))  # fmt: skip
    err = error_of(lambda: load(bad_date))
    assert (err.file, err.item, err.field) == (
        "uk.xml",
        "Designation 2 (GIM0002)",
        "DateDesignated",
    )
    no_type = _copy_text(UK_XML, tmp_path / "uk2.xml", lambda t: t.replace(
        "<IndividualEntityShip>Entity</IndividualEntityShip>", "", 1))  # fmt: skip
    err = error_of(lambda: load(no_type))
    assert (err.item, err.field) == ("Designation 3 (GIM0003)", "IndividualEntityShip")
    broken = _copy_text(UK_XML, tmp_path / "uk3.xml", lambda t: t.replace("</Names>", "</Nams>", 1))
    text = UK_XML.read_text(encoding="utf-8")
    err = error_of(lambda: load(broken, "uk-xml"))
    assert (err.file, err.line) == ("uk3.xml", text[: text.index("</Names>")].count("\n") + 1)


def test_ftm_malformed(tmp_path: Path) -> None:
    lines = FTM_JSON.read_text(encoding="utf-8").splitlines()
    person = json.loads(next(line for line in lines if '"schema": "Person"' in line))
    bad_date = {**person, "properties": {**person["properties"], "birthDate": ["yesterday"]}}
    cases = [
        ("[1, 2]", None), ("{not json", None), (json.dumps({"schema": "Person"}), "id"),
        (json.dumps({**person, "schema": "Spaceship"}), "schema"),
        (json.dumps(bad_date), "properties.birthDate"),
    ]  # fmt: skip
    for bad, field in cases:
        path = tmp_path / "os.ftm.json"
        path.write_text("\n".join([*lines[:5], bad, *lines[5:]]) + "\n", encoding="utf-8")
        err = error_of(lambda path=path: load(path, "ftm"))
        assert (err.file, err.line, err.field) == ("os.ftm.json", 6, field), bad[:40]


def test_watchlist_malformed(tmp_path: Path) -> None:
    mapping = shutil.copy(DATA / "rs_watchlist.mapping.yml", tmp_path / "wl.mapping.yml")
    csv_text = RS_WATCHLIST.read_text(encoding="utf-8")
    bad_date = tmp_path / "wl.csv"
    bad_date.write_text(csv_text.replace("03.05.1980.", "1980/05/03"), encoding="utf-8")
    err = error_of(lambda: load(bad_date))
    assert (err.file, err.line, err.field) == ("wl.csv", 2, "dob")
    no_col = tmp_path / "wl2.csv"
    no_col.write_text(csv_text.replace("full_name", "fullname"), encoding="utf-8")
    err = error_of(lambda: load(no_col, mapping=Path(mapping)))
    assert (err.line, err.field) == (1, "full_name")
    listed_on = tmp_path / "wl3.csv"
    listed_on.write_text(csv_text.replace("2024-06-01", "first of June"), encoding="utf-8")
    err = error_of(lambda: load(listed_on, mapping=Path(mapping)))
    assert (err.line, err.field) == (3, "collected_at")
    no_agency = tmp_path / "noagency.mapping.yml"
    no_agency.write_text(Path(mapping).read_text(encoding="utf-8").replace(
        "  agency: RS-MUP\n", ""), encoding="utf-8")  # fmt: skip
    err = error_of(lambda: load(RS_WATCHLIST, mapping=no_agency))
    assert (err.file, err.line, err.field) == ("rs_watchlist.csv", 2, "agency")
