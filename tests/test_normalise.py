from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.normalise import name_keys, name_tokens, normalise_phone, normalise_plate


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
