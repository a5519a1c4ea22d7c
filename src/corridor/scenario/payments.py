"""The money: relatives paying a group's fees to the hawala banker, the banker settling with the
organiser in transfers kept under the reporting threshold, and the organiser paying the crew.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from corridor.scenario.builder import Builder
from corridor.scenario.records import Account, Group, Network, Payment, Person


def build_payments(builder: Builder) -> None:
    """Each group's fees, the settlement that follows and the crew's pay."""
    rng = builder.rng("payments")
    for group in builder.groups:
        net = builder.network(group.network_id)
        banker = builder.people[net.with_role("hawala_banker")[0]]
        fee_total = 0.0
        for pid in group.named:
            migrant = builder.people[pid]
            relatives = [
                builder.people[r.b]
                for r in builder.relations
                if r.kind == "Family" and r.a == pid and builder.people[r.b].kind == "relative"
            ]
            fee = (
                rng.uniform(2500, 7500)
                if group.destination in ("london", "birmingham", "kent-coast")
                else rng.uniform(1500, 4500)
            )
            fee_total += fee
            if not relatives:
                continue
            rel = relatives[0]
            payer_acc = rel.accounts[0]
            payee_acc = next(
                (a for a in banker.accounts if a.currency == payer_acc.currency),
                banker.accounts[0] if banker.accounts else None,
            )
            on = (group.start - timedelta(days=rng.randint(1, 12))).date()
            _pay(
                builder,
                rel.id,
                banker.id,
                payer_acc,
                payee_acc,
                fee,
                payer_acc.currency,
                on,
                "bank_transfer",
                f"family support {migrant.name.given.latin[0]}",
                net.id,
            )
        # The rest of the group pays through hawala: cash in, no bank trail.
        fee_total += (group.size - len(group.named)) * rng.uniform(1500, 4000)
        _settle(builder, net, banker, fee_total, group, rng)
        _pay_crew(builder, net, group, rng)


def _pay(
    builder: Builder,
    payer: str,
    payee: str,
    payer_acc: Account | None,
    payee_acc: Account | None,
    amount: float,
    currency: str,
    on: date,
    method: str,
    purpose: str,
    network_id: str | None,
    structured: bool = False,
) -> None:
    builder.payments.append(
        Payment(
            builder.ids.next("tpay", 5),
            payer,
            payee,
            payer_acc.id if payer_acc else None,
            payee_acc.id if payee_acc else None,
            round(amount, 2),
            currency,
            on,
            method,
            purpose,
            network_id,
            structured,
        )
    )


def _settle(
    builder: Builder, net: Network, banker: Person, total: float, group: Group, rng: random.Random
) -> None:
    """The hawala banker settles with the organiser, split under the reporting threshold."""
    organiser = builder.people[net.with_role("organiser")[0]]
    share = total * rng.uniform(0.4, 0.6)
    on = (group.start + timedelta(days=rng.randint(10, 30))).date()
    src = banker.accounts[-1] if banker.accounts else None
    dst = organiser.accounts[0] if organiser.accounts else None
    while share > 0:
        chunk = min(share, rng.uniform(8500, 9900))
        _pay(
            builder,
            banker.id,
            organiser.id,
            src,
            dst,
            chunk,
            "EUR",
            on,
            "bank_transfer",
            rng.choice(("invoice", "consulting", "car parts", "loan repayment")),
            net.id,
            structured=total > 10000,
        )
        share -= chunk
        on += timedelta(days=rng.randint(0, 3))


def _pay_crew(builder: Builder, net: Network, group: Group, rng: random.Random) -> None:
    organiser = builder.people[net.with_role("organiser")[0]]
    src = organiser.accounts[0] if organiser.accounts else None
    on = (group.start + timedelta(days=rng.randint(5, 25))).date()
    for role, lo, hi in (
        ("driver", 300, 1200),
        ("safe_house_keeper", 200, 900),
        ("document_forger", 500, 1500),
        ("spotter", 100, 400),
    ):
        for pid in net.with_role(role):
            if rng.random() < 0.5:
                continue
            person = builder.people[pid]
            by_bank = person.accounts and src and rng.random() < 0.5
            _pay(
                builder,
                organiser.id,
                pid,
                src if by_bank else None,
                person.accounts[0] if by_bank else None,
                rng.uniform(lo, hi),
                "EUR",
                on,
                "bank_transfer" if by_bank else "cash",
                {
                    "driver": "transport",
                    "safe_house_keeper": "rent",
                    "document_forger": "services",
                    "spotter": "help",
                }[role],
                net.id,
            )
