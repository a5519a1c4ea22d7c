"""Answers to a partner's request carry what the request asked about: the entities its subject
matches and those a few relationships from them. Anything else is sharing on one's own
initiative, which only a user with the right to share may do (an analyst may answer, not
share): a request about a vehicle is no side door for five unrelated people."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.access.authz import Authz
from corridor.access.caller import Caller
from corridor.access.roles import Role
from corridor.errors import Forbidden
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE
from corridor.share.service import SharingService
from sharing_support import PURPOSE, node_pair, write_entities

PLATE = "BG 123-AB"
UNRELATED = [f"p-{i}" for i in range(1, 6)]
#: What the request about the vehicle asks: the vehicle, its ownership, and its owner.
ASKED = {"veh-1", "own-rel-1", "owner-1"}


def user(role: Role, name: str) -> Caller:
    return Caller.api(Authz(name, role, "RS-MUP", Classification.SECRET), "case 1")


ANALYST = user(Role.ANALYST, "ana")
SHARING_OFFICER = user(Role.SHARING_OFFICER, "sofia")


@pytest.fixture
def asked(tmp_path: Path) -> tuple[SharingService, SharingService, str]:
    """RS-MUP holds a vehicle, its owner, and five people unrelated to either; GB-NCA asks
    about the vehicle. Returns (RS node, GB node, the request's id)."""
    rs, uk, _ = node_pair(tmp_path)
    write_entities(rs.store, [
        ("Vehicle", "veh-1", {"registrationNumber": PLATE, "model": "Sprinter"}),
        ("Person", "owner-1", {"name": "Nikola Ilić"}),
        ("Ownership", "own-rel-1", {"owner": "owner-1", "asset": "veh-1"}),
        *[("Person", p, {"name": f"Unrelated Person {p}"}) for p in UNRELATED],
    ])  # fmt: skip
    uk.ask(Caller.operator(), "RS-MUP", "vehicle", PLATE, "who drives it?", PURPOSE)
    [rfi] = rs.rfis("in")
    return rs, uk, str(rfi["id"])


def received(uk: SharingService) -> set[str]:
    ids = sorted(ASKED | set(UNRELATED))
    return {str(r["entity_id"]) for r in uk.store.statement_rows(ids, SYSTEM_SCOPE)}


def test_an_analyst_cannot_send_what_the_request_did_not_ask_about(
    asked: tuple[SharingService, SharingService, str],
) -> None:
    rs, uk, rfi_id = asked
    for chosen in (UNRELATED, ["veh-1", "p-1"]):
        with pytest.raises(Forbidden, match="needs the right to share"):
            rs.answer(ANALYST, rfi_id, chosen)
    assert rs.sent() == [] and received(uk) == set()
    assert rs.rfi(rfi_id, "in")["status"] == "open"  # still to answer


def test_an_analyst_answers_with_what_the_subject_matches_or_part_of_it(
    asked: tuple[SharingService, SharingService, str],
) -> None:
    rs, uk, rfi_id = asked
    answered = rs.answer(ANALYST, rfi_id, ["owner-1"])  # chosen among what is asked
    assert answered["status"] == "answered"
    assert received(uk) == ASKED  # the owner and, through the ownership, the vehicle


def test_the_default_answer_is_what_the_subject_matches(
    asked: tuple[SharingService, SharingService, str],
) -> None:
    rs, uk, rfi_id = asked
    assert rs.answer(ANALYST, rfi_id)["status"] == "answered"
    assert received(uk) == ASKED


def test_a_sharing_officer_may_send_more_than_was_asked(
    asked: tuple[SharingService, SharingService, str],
) -> None:
    rs, uk, rfi_id = asked
    assert rs.answer(SHARING_OFFICER, rfi_id, UNRELATED)["status"] == "answered"
    assert received(uk) == set(UNRELATED)
