"""The sharing policy: whether a statement or an observation may leave for a partner.

This is the one place that decides; every path that lets data out of a node (packages, file
exports, answers to a partner's request for information) builds its content through `release`.
A refused item is never sent, and the reason is counted in the package's manifest (the counts,
not the content), so the sender can see what the agreement held back.

The rules, in the order they are checked:

1. the agreement is in force and permits the stated purpose (else nothing goes);
2. the classification is at or below the agreement's ceiling;
3. the schema and property (or the sensor kind) are in the agreement;
4. handling: 5x5x5 handling 4 or 5 and SIENA H2 never leave; 3x5x2 code C leaves only where the
   agreement accepts conditional handling, and with sanitisation S2 only with the originator's
   recorded consent;
5. intelligence that another agency originated (received from a partner) leaves only with that
   originator's recorded consent (the third-party rule);
6. people in a category the agreement does not list (victims and witnesses unless named) are
   withheld whole: every statement about them, and every statement elsewhere that points at them;
7. a record past its review-by date is not shared until reviewed.

Action codes, sanitisation codes and handling instructions travel with each item unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import chain
from typing import Any, Protocol

from corridor.errors import Forbidden
from corridor.model.agreement import Agreement
from corridor.model.classification import Classification
from corridor.model.grading import Grade, GradingScheme
from corridor.model.observations import ObservationKind
from corridor.model.provenance import PersonCategory


class Consents(Protocol):
    """The originator's recorded consents to share particular items with a partner."""

    def granted(self, partner: str, entity_id: str | None, item_id: str) -> bool: ...


class NoConsents:
    def granted(self, partner: str, entity_id: str | None, item_id: str) -> bool:
        return False


@dataclass(frozen=True)
class SetConsents:
    """Consents as a set of (partner, entity or item id)."""

    given: frozenset[tuple[str, str]] = frozenset()

    def granted(self, partner: str, entity_id: str | None, item_id: str) -> bool:
        return (partner, item_id) in self.given or (
            entity_id is not None and (partner, entity_id) in self.given
        )


@dataclass
class Release:
    """What may go (copies of the rows given: the package changes them), and how much was
    held back for each reason."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    observations: dict[ObservationKind, list[dict[str, Any]]] = field(default_factory=dict)
    withheld: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.statements) + sum(len(v) for v in self.observations.values())


@lru_cache(maxsize=4096)
def parsed_grade(grading: str, scheme: str | None) -> Grade:
    """`Grade.parse`, remembered: a package holds few distinct gradings among many rows."""
    return Grade.parse(grading, scheme)


def handling_refusal(
    row: Mapping[str, Any], agreement: Agreement, own_agency: str, consents: Consents,
    entity_id: str | None,
) -> str | None:  # fmt: skip
    """Rules 4 and 5 for any item carrying provenance columns."""
    grade = parsed_grade(str(row["grading"]), row.get("grading_scheme"))
    if grade.scheme is GradingScheme.LEGACY_5X5X5 and grade.handling in ("4", "5"):
        return f"5x5x5 handling {grade.handling}: never disseminated"
    if grade.scheme is GradingScheme.EUROPOL and grade.handling == "H2":
        return "SIENA H2: not disseminated without the provider's permission"
    item = str(row["id"])
    if grade.scheme is GradingScheme.UK_3X5X2 and grade.handling == "C":
        if not agreement.conditional_handling:
            return "handling code C: the agreement accepts unconditional (P) records only"
        if row.get("sanitisation_code") == "S2" and not consents.granted(
            agreement.partner, entity_id, item
        ):
            return "sanitisation S2: needs the originator's recorded consent"
    agency = str(row["agency"])
    if agency == agreement.partner:
        # Its own records come back to no partner: it holds them, and a row in its own agency's
        # name arriving from outside is what a forgery looks like (the recipient refuses it).
        return "the partner's own intelligence: it is not sent back"
    if agency != own_agency and not consents.granted(agreement.partner, entity_id, item):
        return "third-party intelligence: needs the originating agency's consent"
    return None


def _common_refusal(row: Mapping[str, Any], agreement: Agreement, today: date) -> str | None:
    """Rules 2 and 7."""
    if int(row["classification"]) > agreement.ceiling:
        label = Classification(int(row["classification"])).label
        return f"classification {label} above the agreement's ceiling"
    review = row.get("review_by")
    if review is not None and _as_date(review) < today:
        return "past its review-by date"
    return None


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    return date.fromisoformat(str(value)[:10])


def _category(row: Mapping[str, Any]) -> PersonCategory | None:
    value = row.get("person_category")
    return PersonCategory(value) if value else None


def statement_refusal(
    row: Mapping[str, Any], agreement: Agreement, own_agency: str, consents: Consents,
    today: date, withheld_entities: frozenset[str] = frozenset(),
) -> str | None:  # fmt: skip
    """Why a statement may not go (None: it may)."""
    common = _common_refusal(row, agreement, today)
    if common:
        return common
    props = agreement.allowed_properties(str(row["schema"]))
    if props is False:
        return f"schema {row['schema']} not in the agreement"
    if props is not None and row["prop"] not in props:  # type: ignore[operator]
        return f"property {row['schema']}.{row['prop']} not in the agreement"
    entity_id = str(row["entity_id"])
    if entity_id in withheld_entities:
        return "a person in a withheld category (victim or witness)"
    if row.get("prop_type") == "entity" and str(row["value"]) in withheld_entities:
        return "points at a person in a withheld category"
    return handling_refusal(row, agreement, own_agency, consents, entity_id)


def observation_refusal(
    kind: ObservationKind, row: Mapping[str, Any], agreement: Agreement, own_agency: str,
    consents: Consents, today: date,
) -> str | None:  # fmt: skip
    """Why a sensor observation may not go (None: it may)."""
    if kind not in agreement.observations:
        return f"{kind.value} observations not in the agreement"
    common = _common_refusal(row, agreement, today)
    if common:
        return common
    category = _category(row)
    if category is not None and category not in agreement.person_categories:
        return f"person category {category.value} not in the agreement"
    return handling_refusal(row, agreement, own_agency, consents, None)


def withheld_people(
    statements: Iterable[Mapping[str, Any]], agreement: Agreement
) -> frozenset[str]:
    """Entities any statement puts in a category the agreement does not list (rule 6): one
    source calling someone a victim withholds them whole."""
    out = set()
    for row in statements:
        category = _category(row)
        if category is not None and category not in agreement.person_categories:
            out.add(str(row["entity_id"]))
    return frozenset(out)


def check_terms(agreement: Agreement, purpose: str, today: date) -> None:
    """Rule 1: nothing goes under an expired agreement or for a purpose it does not permit."""
    if agreement.expired(today):
        raise Forbidden(
            f"the agreement with {agreement.partner} expired on {agreement.valid_until}"
        )
    if not agreement.allows_purpose(purpose):
        allowed = "; ".join(sorted(agreement.purposes))
        raise Forbidden(
            f"purpose {purpose!r} is not permitted by the agreement with {agreement.partner} "
            f"(permitted: {allowed})"
        )


def release(
    statements: Sequence[Mapping[str, Any]],
    observations: Mapping[ObservationKind, Sequence[Mapping[str, Any]]],
    agreement: Agreement,
    purpose: str,
    own_agency: str,
    consents: Consents | None = None,
    today: date | None = None,
    context: Iterable[Mapping[str, Any]] | None = None,
) -> Release:
    """What of these statements and observations may go to the agreement's partner.

    `context` is every statement the node holds about the entities concerned (the selection
    itself is always counted too): a person is withheld when any of them puts the person in a
    withheld category, even a statement not selected for sending.
    """
    today = today or date.today()
    consents = consents or NoConsents()
    check_terms(agreement, purpose, today)
    about = statements if context is None else chain(statements, context)
    withheld = withheld_people(about, agreement)
    out = Release()
    for row in statements:
        reason = statement_refusal(row, agreement, own_agency, consents, today, withheld)
        if reason is None:
            out.statements.append(dict(row))
        else:
            out.withheld[reason] += 1
    for kind, rows in observations.items():
        kept = []
        for row in rows:
            reason = observation_refusal(kind, row, agreement, own_agency, consents, today)
            if reason is None:
                kept.append(dict(row))
            else:
                out.withheld[reason] += 1
        if kept:
            out.observations[kind] = kept
    return out
