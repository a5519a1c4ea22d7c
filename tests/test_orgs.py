"""Organisation names: legal forms written one way across languages and abbreviations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.normalise.orgs import org_name

# Pure functions, no store: run in the DuckDB pass only (see conftest).
pytestmark = pytest.mark.storeless


def test_legal_forms_in_any_language_meet_in_one_form() -> None:
    pairs = [
        ("Siemens Aktiengesellschaft", "Siemens AG"),
        ("ACME LIMITED", "Acme Ltd"),
        ("o.O.O. Romashka", "OOO Romashka"),
        ("Общество с ограниченной ответственностью Ромашка", "ООО Ромашка"),
    ]
    for a, b in pairs:
        assert org_name(a).compare == org_name(b).compare, (a, b)
    assert org_name("OAO Gazprom").core == org_name("Open Joint Stock Company Gazprom").core
    assert org_name("Bank of Armenia").core != org_name("Bank of America").core


def test_letters_keep_their_order() -> None:
    assert org_name("C.B.A. Company").compare != org_name("A.B.C. Company").compare


@given(st.text(max_size=60))
def test_any_text_gives_a_core_and_is_stable(text: str) -> None:
    once = org_name(text)
    assert org_name(text) == once
    assert (once.core == "") == (once.compare == "")
    assert all(form for form in once.forms)


def test_a_form_written_with_its_letters_apart_is_the_form() -> None:
    for written in ("Geoplasticos S A", "geoplasticos s a", "GEOPLASTICOS S.A."):
        assert org_name(written).core == "geoplasticos", written
        assert org_name(written).forms == ("sa",), written
    assert org_name("o o o Romashka").forms == ("ooo",)
    # Numbers written apart stay apart: Bank 2 3 is not Bank 23.
    assert org_name("Bank 2 3").compare == "bank 2 3"
