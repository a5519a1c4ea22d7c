"""Names for entity resolution: keys shared across scripts and romanisations, particles, given and
family names, hypocoristics."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rigour.names import remove_person_prefixes

from corridor.normalise import (
    NameRoles,
    given_name_variants,
    name_key,
    name_keys,
    name_tokens,
    parse_name,
)
from corridor.normalise import names as names_module

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless

# --- name_key ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ("Mohammed", "Muhammad", "Mohamed", "Muhamad", "Mohamad", "Mohammad", "Mehmed", "Mehmet", "Muhamed", "محمد", "Мухамед"),
        ("Hassan", "Hasan", "Хасан", "حسن"),
        ("Youssef", "Yusuf", "Jusuf", "Юсуф", "Јусуф", "يوسف", "Yousef"),
        ("Ibrahim", "Ebrahim", "Ибрахим", "إبراهيم"),
        ("Abdulrahman", "Abdelrahman", "Abdurrahman", "Абдулрахман"),
        ("Ahmad", "Ahmed", "Akhmad", "Ahmet", "Ахмед", "أحمد", "احمد"),
        ("Khan", "Han", "Кхан", "خان"),
        ("Safiullah", "Safiulah", "Safiulla", "Сафиулах"),
        ("Rahmatullah", "Rahmatulla", "Rahmatollah"),
        ("Tariq", "Tarik", "Тарик", "طارق"),
        ("Khaled", "Khalid", "Халид", "خالد"),
        ("Shafiq", "Šafik", "Шафик", "شفیق"),
        ("Darwish", "Darviš", "Дарвиш", "درويش", "Darweesh"),
        ("Jamal", "Džamal", "Џамал", "Djamel", "جمال"),
        ("Layla", "Laila", "Leila", "Лаила", "ليلى"),
        ("Zainab", "Zeinab", "Zaynab", "Заинаб", "زينب"),
        ("Fatima", "Fatimah", "Fatma", "Фатима", "فاطمة"),
        ("Noori", "Nuri", "Noorie", "Нури", "نوری"),
        ("Mahmoud", "Mahmud", "Mahmood", "Махмуд", "محمود"),
        ("Yılmaz", "Yilmaz", "Jilmaz", "Јилмаз"),
        ("Şahin", "Sahin", "Šahin", "Шахин"),
        ("Çelik", "Celik", "Čelik", "Челик"),
        ("Krasniqi", "Krasnići", "Краснићи"),
        ("Xhaferi", "Džaferi", "Џафери"),
        ("Shpëtim", "Shpetim", "Špetim", "Шпетим"),
        ("Wayne", "Вајне", "Vajne"),
        ("Craig", "Krejg", "Крејг"),
        ("Gary", "Garj", "Гари"),
        ("Ljiljana", "Љиљана"),
        ("Đorđe", "Djordje", "Ђорђе"),
        ("Gjorgji", "Ѓорѓи", "Ђорђи"),
        ("Ćirić", "Ciric", "Ћирић"),
        ("Jovanović", "Jovanovic", "Јовановић"),
        ("Štерев", "Shterev", "Щерев"),
        ("Stoyanov", "Стојанов", "Стоянов"),
        ("al-Hassan", "Alhasan", "El Hassan", "Al Hasan", "الحسن", "Ал Хасан"),
        ("Cherkaoui", "Čerkaui", "Charkaoui"),
        ("Sharqawi", "El Sharqawi", "الشرقاوي"),
        ("El Ouardi", "Alwardi", "الوردي", "Алварди"),
        ("Zabiullah", "Zabihullah", "Zabihollah", "ذبیح الله"),
        ("Chaudhry", "Chaudhary", "Choudhry", "Čaudri"),
        ("Sayed", "Sayyed", "Syed", "Sjed", "سید"),
        ("Maryam", "Mariam", "Marjam", "مريم"),
    ],
)  # fmt: skip
def test_spellings_of_one_name_share_a_key(spellings: tuple[str, ...]) -> None:
    keys = {" ".join(sorted(parse_name(s).keys)) for s in spellings}
    assert len(keys) == 1, {s: parse_name(s).keys for s in spellings}


@pytest.mark.parametrize(
    ("a", "b"),
    [("Mohammed", "Mahmoud"), ("Ahmad", "Hamid"), ("Karim", "Karimi"), ("Ahmad", "Ahmadi"),
     ("Dragan", "Dragana"), ("Nour", "Noori"), ("Jovan", "Ivan"), ("Milan", "Milica")],
)  # fmt: skip
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


@given(st.text(max_size=30))
def test_name_key_is_lower_ascii(raw: str) -> None:
    key = name_key(raw)
    assert re.fullmatch(r"[a-z0-9]*", key)
    assert (key == "") == (name_tokens(raw) == [])


# --- Parts and particles ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ("Mohammed al-Hassan", "Muhamad Alhasan", "El Hassan Mohamed", "محمد الحسن", "Мохамед Ал Хасан"),
        ("Mustafa BEN ALI", "Mustafa Benali", "BENALI, Mustafa", "BEN ALI, Mustafa", "مصطفى بنعلي"),
        ("Safi Ulah", "Safiulah", "Safi Ullah", "Safiullah", "صفی الله"),
        ("Abdul Rahman", "Abdulrahman", "Abd al-Rahman", "Abdel Rahman", "عبد الرحمن"),
        ("Abdullah", "Abd Allah", "Abdallah", "عبد الله"),
        ("Khaled ash-Shami", "Khalid Alshami", "خالد الشامي"),
        ("Salah ad-Din", "Salahuddin", "Salah Uddin"),
        ("Ahmad Yusuf Zai", "Ahmad Yusufzai"),
    ],
)  # fmt: skip
def test_particles_written_apart_or_joined_give_the_same_parts(spellings: tuple[str, ...]) -> None:
    keys = {parse_name(s).keys for s in spellings}
    assert len(keys) == 1, {s: parse_name(s).keys for s in spellings}


def test_ben_as_an_english_given_name_stays_apart() -> None:
    parsed = parse_name("Ben Parker")
    assert parsed.parts == ("ben", "parker")
    assert parsed.family == ("parker",)


def test_abbreviations_of_muhammad_are_expanded() -> None:
    assert parse_name("Md Hasan").given_keys == parse_name("Mohammed Hasan").given_keys


# --- Given and family names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "family", "given", "order"),
    [
        ("JOVANOVIĆ, Miroslav", ("jovanovic",), ("miroslav",), "comma"),
        ("Miroslav Jovanović", ("jovanovic",), ("miroslav",), "evidence"),
        ("Јовановић Мирослав", ("jovanovic",), ("miroslav",), "evidence"),
        ("JOVANOVIĆ Miroslav", ("jovanovic",), ("miroslav",), "capitals"),
        ("ЈОВАНОВИЋ Мирослав", ("jovanovic",), ("miroslav",), "capitals"),
        ("Hasani Besnik", ("hasani",), ("besnik",), "evidence"),
        ("Dimitar Atanasov", ("atanasov",), ("dimitar",), "evidence"),
        ("Стојановски Горан", ("stojanovski",), ("goran",), "evidence"),
        ("Al Hassan Khaled", ("alhassan",), ("khaled",), "evidence"),
        ("Ал Хасан Халид", ("alhasan",), ("halid",), "evidence"),
        ("Mustafa Ben Ali", ("benali",), ("mustafa",), "evidence"),
        ("Kaya Kemal", ("kemal",), ("kaya",), "convention"),
        ("Mr Wayne Barker", ("barker",), ("wayne",), "convention"),
        ("Saša", (), ("sasa",), "single"),
        ("Mohammed Ahmed Hassan", ("hassan",), ("mohammed", "ahmed"), "convention"),
    ],
)  # fmt: skip
def test_family_name_rules(
    name: str, family: tuple[str, ...], given: tuple[str, ...], order: str
) -> None:
    parsed = parse_name(name)
    assert (parsed.family, parsed.given, parsed.order) == (family, given, order)


def test_learnt_roles_order_names_no_rule_can() -> None:
    # Turkish and Albanian names carry no surname morphology: records that mark the family name
    # teach which part it is, and the lesson carries over to another script.
    corpus = ["KAYA, Kemal", "KAYA, Emre", "Emre Yilmaz", "YILMAZ, Ahmet", "HASANI, Besnik"]
    roles = NameRoles.learn(corpus)
    assert parse_name("Kaya Kemal").family == ("kemal",)  # by convention, without roles
    assert parse_name("Kaya Kemal", roles).family == ("kaya",)
    assert parse_name("Каја Кемал", roles).family == ("kaja",)
    assert parse_name("Хасани Бесник", roles).family == ("hasani",)
    assert parse_name("Bujar Kaya", roles).family == ("kaya",)


def test_parsed_name_fields_for_splink() -> None:
    parsed = parse_name("JOVANOVIĆ, Miroslav Saša")
    assert parsed.tokens == ("jovanovic", "miroslav", "sasa")
    assert parsed.family_key == name_key("Jovanović")
    assert parsed.given_key == name_key("Miroslav")
    assert parsed.initials == "ms"
    assert "aleksandar" in parsed.given_variants
    assert parsed.sorted_name == "jovanovic miroslav sasa"
    assert parsed.full_key == " ".join(sorted(parsed.keys))


# --- Properties --------------------------------------------------------------------------------

_PARTICLES = (
    names_module._PREFIXES | names_module._SUFFIXES | names_module._ARTICLES | names_module._DIN
    | set(names_module._ABBREVIATIONS)
)  # fmt: skip
_plain_word = st.from_regex(r"[A-Za-zĆČŠŽĐćčšžđ]{4,9}", fullmatch=True).filter(
    lambda w: w.lower() not in _PARTICLES and remove_person_prefixes(f"{w} x") == f"{w} x"
)


@given(st.text(max_size=60))
def test_parse_name_never_raises_and_keys_are_lower_ascii(raw: str) -> None:
    parsed = parse_name(raw)
    for value in (*parsed.keys, *parsed.given_keys, parsed.family_key, parsed.sorted_name):
        assert re.fullmatch(r"[a-z0-9 ]*", value)
    assert list(parsed.keys) == sorted(set(parsed.keys))
    assert set(parsed.given) | set(parsed.family) <= set(parsed.parts)


@given(st.lists(_plain_word, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_sorted_name_and_keys_ignore_word_order(words: list[str], rnd: random.Random) -> None:
    shuffled = words[:]
    rnd.shuffle(shuffled)
    a, b = parse_name(" ".join(words)), parse_name(" ".join(shuffled))
    assert a.sorted_name == b.sorted_name
    assert a.keys == b.keys


@given(st.text(max_size=40))
def test_name_keys_are_lower_ascii(raw: str) -> None:
    for token, key in name_keys(raw):
        assert token and token.isascii() and token == token.lower()
        assert re.fullmatch(r"[a-z0-9]+", key)


# --- Hypocoristics -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "full"),
    [("Saša", "Aleksandar"), ("Саша", "Aleksandar"), ("Aca", "Александар"), ("Đole", "Đorđe"),
     ("Ђоле", "Djordje"), ("Joca", "Jovan"), ("Mile", "Miloš"), ("Mile", "Milan"), ("Peđa", "Predrag"),
     ("Bill", "William"), ("Bob", "Robert"), ("Gaz", "Gary"), ("Hamoudi", "Mohammed"),
     ("Hamo", "Muhamad"), ("Meho", "Mehmed"), ("Mujo", "Mustafa"), ("Abdo", "Abdul Rahman")],
)  # fmt: skip
def test_hypocoristics_meet_their_full_names(short: str, full: str) -> None:
    assert given_name_variants(short) & given_name_variants(full)


def test_unknown_names_are_their_own_variant() -> None:
    assert given_name_variants("Miroslav") == given_name_variants("Мирослав") == {"miroslav"}
    assert not given_name_variants("Bill") & given_name_variants("Robert")
    assert given_name_variants("") == frozenset()


@pytest.mark.parametrize(
    ("written", "parts"),
    [("Mera’i", ("merai",)), ("O'Brien", ("obrien",)), ("Ma'ruf Sa‘id", ("maruf", "said")),
     ("'Abd al-Rahman", ("abdalrahman",))],
)  # fmt: skip
def test_an_apostrophe_inside_a_word_does_not_split_it(
    written: str, parts: tuple[str, ...]
) -> None:
    assert parse_name(written).parts == parts
