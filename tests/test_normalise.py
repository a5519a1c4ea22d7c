from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.normalise import (
    PartialDate,
    agree,
    month_day_transposed,
    name_keys,
    name_tokens,
    normalise_phone,
    normalise_plate,
    parse_partial_date,
    same_year,
    years_apart,
)

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless


@pytest.mark.parametrize(
    ("a", "b"),
    [("BG 123-AB", "bg123ab"), ("BG 123-AB", "БГ 123-АБ"), ("ŠA 456-ČĆ", "SA 456-CC"),
     ("SK 1234 AB", "SK-1234-AB"), ("ZG 1234-AB", "zg1234ab")],
)  # fmt: skip
def test_plates_written_differently_share_a_key(a: str, b: str) -> None:
    assert normalise_plate(a) == normalise_plate(b) != ""


@given(st.text(max_size=20))
def test_plate_keys_are_upper_ascii_alnum_and_idempotent(raw: str) -> None:
    key = normalise_plate(raw)
    assert re.fullmatch(r"[A-Z0-9]*", key)
    assert normalise_plate(key) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [("Wayne Barker", "Вајне Баркер"), ("Nour Darwish", "Nur Darviš"), ("Layla Alnajjar", "Лаила Алнаџџар"),
     ("Sayed Kareemi", "Sjed Karimi"), ("Bujar Shala", "Bujar Šala"), ("Kemal Kaya", "Каја Кемал")],
)  # fmt: skip
def test_transcriptions_share_skeletons(a: str, b: str) -> None:
    assert sorted(s for _, s in name_keys(a)) == sorted(s for _, s in name_keys(b))


def test_names_across_scripts_and_orders_share_tokens() -> None:
    assert sorted(name_tokens("Мирослав Јовановић")) == sorted(name_tokens("JOVANOVIĆ Miroslav"))
    assert name_tokens("Miroslav Jovanovic") == ["miroslav", "jovanovic"]


@pytest.mark.parametrize(
    ("native", "romanised"),
    [("Љиљана Његош", "Ljiljana Njegos"), ("Ђорђе Ђукић", "Djordje Djukic"),
     ("Đorđe Đukić", "DJUKIC Djordje"), ("Џунић", "Dzunic"), ("Ћирић", "Ciric")],
)  # fmt: skip
def test_serbian_letters_romanise_as_records_write_them(native: str, romanised: str) -> None:
    assert sorted(name_tokens(native)) == sorted(name_tokens(romanised))


def test_romanisations_of_arabic_names_share_skeletons() -> None:
    skeletons = [sorted(s for _, s in name_keys(n)) for n in
                 ("Mohammed al-Hassan", "Muhamad Alhasan", "محمد الحسن", "El Hassan Mohamed")]  # fmt: skip
    assert all(s == skeletons[0] for s in skeletons)
    skeletons = [
        sorted(s for _, s in name_keys(n))
        for n in ("Mahmood Bouzid", "محمود بوزيد", "Mahmud Buzid")
    ]
    assert all(s == skeletons[0] for s in skeletons)


@given(st.text(max_size=40))
def test_name_keys_are_lower_ascii(raw: str) -> None:
    for token, skel in name_keys(raw):
        assert token and token.isascii() and token == token.lower()
        assert skel.isascii()


@pytest.mark.parametrize(
    ("raw", "countries", "e164"),
    [("+381 64 123 4567", (), "+381641234567"), ("064 123 4567", ("rs",), "+381641234567"),
     ("00381641234567", (), "+381641234567"), ("12", (), None), ("", (), None)],
)  # fmt: skip
def test_phones_normalise_to_e164(raw: str, countries: tuple[str, ...], e164: str | None) -> None:
    assert normalise_phone(raw, countries) == e164


# --- Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1980-05-03", PartialDate(1980, 5, 3)), ("1980-05", PartialDate(1980, 5)), ("1980", PartialDate(1980)),
     ("03.05.1980.", PartialDate(1980, 5, 3)), ("03.05.1980", PartialDate(1980, 5, 3)),
     ("3. 5. 1980.", PartialDate(1980, 5, 3)), ("03/05/1980", PartialDate(1980, 5, 3)),
     ("3/5/1980", PartialDate(1980, 5, 3)), ("03-05-1980", PartialDate(1980, 5, 3)),
     ("1980/05/03", PartialDate(1980, 5, 3)), ("1980.05.03.", PartialDate(1980, 5, 3)),
     ("19800503", PartialDate(1980, 5, 3)), ("05.1980.", PartialDate(1980, 5)), ("05/1980", PartialDate(1980, 5)),
     ("1980-05-03T00:00:00", PartialDate(1980, 5, 3)), ("1980-05-03T10:20:30Z", PartialDate(1980, 5, 3)),
     ("1980-05-03 00:00:00", PartialDate(1980, 5, 3)), (" 1980 ", PartialDate(1980)),
     ("29.02.2000.", PartialDate(2000, 2, 29))],
)  # fmt: skip
def test_partial_dates_parse_in_every_written_form(text: str, expected: PartialDate) -> None:
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["31.02.1980.", "1980-02-31", "29.02.1900.", "31/04/1980", "00.05.1980", "1980-13", "13/1980",
     "03.05.80", "1980-5-3", "1980T", "1980 1234", "198", "abc", "", "05/03/1980/", "32.01.1980"],
)  # fmt: skip
def test_impossible_or_ambiguous_dates_are_refused(text: str) -> None:
    assert parse_partial_date(text) is None


def test_slashed_dates_are_read_day_first() -> None:
    assert parse_partial_date("03/05/1980") == PartialDate(1980, 5, 3)
    assert parse_partial_date("05/13/1980") is None  # a US date: month 13 does not exist


_WRITTEN = {
    "iso": "{y:04d}-{m:02d}-{d:02d}",
    "serbian": "{d:02d}.{m:02d}.{y:04d}.",
    "dotted": "{d:02d}.{m:02d}.{y:04d}",
    "dotted, unpadded": "{d}.{m}.{y:04d}.",
    "british": "{d:02d}/{m:02d}/{y:04d}",
    "british, unpadded": "{d}/{m}/{y:04d}",
    "dashed": "{d:02d}-{m:02d}-{y:04d}",
    "year first": "{y:04d}/{m:02d}/{d:02d}",
    "8 digits": "{y:04d}{m:02d}{d:02d}",
    "ftm timestamp": "{y:04d}-{m:02d}-{d:02d}T00:00:00",
}


@given(
    st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)),
    st.sampled_from(sorted(_WRITTEN)),
)
def test_valid_dates_round_trip_in_every_format(day: date, form: str) -> None:
    text = _WRITTEN[form].format(y=day.year, m=day.month, d=day.day)
    parsed = parse_partial_date(text)
    assert parsed == PartialDate(day.year, day.month, day.day)
    assert parse_partial_date(parsed.iso) == parsed


@given(st.integers(1000, 2999), st.integers(1, 12))
def test_years_and_months_round_trip(year: int, month: int) -> None:
    assert parse_partial_date(f"{year}") == PartialDate(year)
    assert parse_partial_date(f"{year}-{month:02d}") == PartialDate(year, month)
    assert parse_partial_date(f"{month:02d}.{year}.") == PartialDate(year, month)
    assert PartialDate(year, month).iso == f"{year}-{month:02d}"


@given(st.text(max_size=30))
def test_parse_partial_date_never_raises(text: str) -> None:
    parsed = parse_partial_date(text)
    if parsed is not None:
        assert parse_partial_date(parsed.iso) == parsed


def test_date_comparisons() -> None:
    a = PartialDate(1980, 5, 3)
    assert same_year(a, PartialDate(1980)) and agree(a, PartialDate(1980))
    assert agree(a, PartialDate(1980, 5)) and not agree(a, PartialDate(1980, 6))
    assert month_day_transposed(a, PartialDate(1980, 3, 5))
    assert not month_day_transposed(PartialDate(1980, 5, 5), PartialDate(1980, 5, 5))
    assert not month_day_transposed(a, PartialDate(1981, 3, 5))
    assert years_apart(a, PartialDate(1983, 1, 1)) == 3
    assert a.precision == "day" and PartialDate(1980).precision == "year"
