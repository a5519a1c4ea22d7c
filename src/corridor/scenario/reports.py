"""Graded intelligence reports: what each agency learnt about a network, item by item.

Items are graded one by one (a reliable surveillance log next to an untested informant's tip),
mention the agency's own record ids, and bring in new entities: a burner number for a known
suspect, a plate the agency had not recorded, an associate known only by a street name, an
IBAN. New entities get report-scoped ids whose true identities go to the ground truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from corridor.scenario.agencies import AgencyView, written_name
from corridor.scenario.handling import GB_NCA, draw_handling
from corridor.scenario.records import END, START, Network, World

_ROLE_TEXT = {
    GB_NCA: {
        "organiser": "organises the network's movements",
        "recruiter": "recruits migrants and sells places on the route",
        "driver": "drives migrants between safe houses",
        "safe_house_keeper": "runs a safe house",
        "money_handler": "handles the network's cash",
        "hawala_banker": "collects payments through hawala",
        "document_forger": "supplies false documents",
        "spotter": "watches police patrols near the border",
    },
    "RS-MUP": {
        "organiser": "organizuje prebacivanje migranata",
        "recruiter": "vrbuje migrante i naplaćuje prevoz",
        "driver": "prevozi migrante između skrovišta",
        "safe_house_keeper": "drži skrovište (jatak)",
        "money_handler": "rukuje novcem grupe",
        "hawala_banker": "prikuplja uplate preko havale",
        "document_forger": "nabavlja falsifikovane isprave",
        "spotter": "prati kretanje patrola kod granice",
    },
}  # fmt: skip


@dataclass
class ReportSet:
    """One agency's reports, and the true identity of every entity they introduce."""

    agency: str
    reports: list[dict[str, Any]] = field(default_factory=list)
    identities: list[tuple[str, str, str]] = field(default_factory=list)
    plates_written: list[tuple[str, str]] = field(default_factory=list)


class _Writer:
    def __init__(self, world: World, view: AgencyView) -> None:
        self.world = world
        self.view = view
        self.gb = view.agency == GB_NCA
        self.rng = random.Random(f"{world.seed}:{world.scale}:reports:{view.agency}")
        self.out = ReportSet(view.agency)

    def item(self, report: dict[str, Any], text: str, when: datetime, mentions: list[str]) -> str:
        item_id = str(len(report["items"]) + 1)
        h = draw_handling(self.view.agency, self.rng, when, "")
        item: dict[str, Any] = {"item_id": item_id, "text": text, "grading": h.grading}
        if h.grading_scheme != "3x5x2":
            item["grading_scheme"] = h.grading_scheme
        for key in ("action_code", "sanitisation_code", "handling_instructions"):
            value = getattr(h, key)
            if value:
                item[key] = value
        item["mentions"] = mentions
        report["items"].append(item)
        return item_id

    def entity(
        self,
        report: dict[str, Any],
        entity_id: str,
        schema: str,
        props: dict[str, list[str]],
        item_id: str,
        category: str | None = None,
        true_id: str | None = None,
    ) -> None:
        data: dict[str, Any] = {
            "id": entity_id,
            "schema": schema,
            "properties": props,
            "item": item_id,
        }
        if category:
            data["person_category"] = category
        report["entities"].append(data)
        if true_id is not None:
            self.out.identities.append((entity_id, schema, true_id))

    def new_id(self, report: dict[str, Any]) -> str:
        n = sum(1 for e in report["entities"] if e["id"].startswith(report["_prefix"])) + 1
        return f"{report['_prefix']}-e{n}"

    def report(self, net: Network, number: int) -> dict[str, Any] | None:
        world, view, rng = self.world, self.view, self.rng
        known = [(pid, role) for pid, role in net.members if view.primary(pid)]
        if not known:
            return None
        span = int((END - START).total_seconds() // 60)
        when = (START + timedelta(minutes=rng.randint(span // 6, span))).replace(second=0)
        report_id = f"{view.agency}-IR-{when.year}-{number:04d}"
        report: dict[str, Any] = {
            "report_id": report_id,
            "agency": view.agency,
            "reported_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": "",
            "classification": rng.choice(
                ("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE", "OFFICIAL", "SECRET")
            ),
            "review_by": (when.date() + timedelta(days=365 * rng.randint(2, 5))).isoformat(),
            "items": [],
            "entities": [],
            "_prefix": report_id.lower(),
        }
        org = view.org_names.get(net.id, "")
        subject_id, role = rng.choice(known)
        subject_rec = view.primary(subject_id) or ""
        subject = view.record_names[subject_rec]
        corridor_places = {
            "south-hu": ("Preševo", "Subotica", "Horgoš"),
            "bulgaria-hu": ("Dimitrovgrad", "Subotica", "Kanjiža"),
            "south-hr": ("Preševo", "Šid", "Tovarnik"),
            "drina-ba": ("Dimitrovgrad", "Bihać", "Mali Zvornik"),
            "coastal": ("Shkodër", "Bihać", "Velika Kladuša"),
        }[net.corridor]
        a, b, c = corridor_places
        lead = _ROLE_TEXT[view.agency][role]
        text = (
            f"{subject} ({subject_rec}) {lead} on the {a}–{b} route; crossings are made at "
            f"night near {c}."
            if self.gb
            else f"{subject} ({subject_rec}) {lead} na pravcu {a}–{b}; prelasci se vrše noću "
            f"u blizini mesta {c}."
        )
        self.item(report, text, when, [subject_rec])
        report["title"] = (
            f"{org or 'OIC network'}: {a}–{b} activity"
            if self.gb
            else f"{org or 'OKG'}: aktivnosti na pravcu {a}–{b}"
        )

        # A phone the subject uses now, which the agency may not have had.
        person = world.people[subject_id]
        lines = [ln for ln in person.phones if ln.active_from <= when.date() <= ln.active_to]
        if lines:
            phone = lines[-1].number
            text = (
                f"Since {lines[-1].active_from.strftime('%d/%m/%Y')} the subject uses {phone}."
                if self.gb
                else f"Od {lines[-1].active_from.strftime('%d.%m.%Y.')} lice koristi broj {phone}."
            )
            item_id = self.item(report, text, when, [subject_rec])
            self.entity(report, subject_rec, "Person", {"phone": [phone]}, item_id, "suspect")

        # A vehicle of the network, recorded or new to the agency.
        vehicles = [v for v in net.vehicles if world.vehicles[v].smuggling]
        if vehicles:
            vid = rng.choice(vehicles)
            v = world.vehicles[vid]
            recs = view.vehicle_records.get(vid)
            if recs:
                ref = recs[0]
                plate = view.record_plates[ref]
            else:
                ref = self.new_id(report)
                plate = v.plate
                self.out.plates_written.append((plate, vid))
            text = (
                f"{v.colour.capitalize()} {v.make_model} {plate} is used for runs, often "
                f"with a second car a few minutes ahead."
                if self.gb
                else f"Vozilo {v.make_model} reg. oznaka {plate} koristi se za prevoz, često uz "
                f"izvidničko vozilo nekoliko minuta ispred."
            )
            item_id = self.item(report, text, when, [ref])
            if not recs:
                self.entity(
                    report,
                    ref,
                    "Vehicle",
                    {
                        "registrationNumber": [plate],
                        "country": [v.country.lower()],
                        "model": [v.make_model],
                    },
                    item_id,
                    true_id=vid,
                )

        # Someone the agency has no record of, known by a street name.
        unknown = [(pid, r) for pid, r in net.members if not view.primary(pid)]
        if unknown:
            pid, role = rng.choice(unknown)
            p = world.people[pid]
            ref = self.new_id(report)
            name = written_name(view.agency, p.name, rng)
            nick = p.nickname or ""
            props: dict[str, list[str]] = {"name": [name], "nationality": [p.nationality.lower()]}
            if nick:
                props["alias"] = [nick]
            called = f" known as '{nick}'" if nick else ""
            text = (
                f"An associate{called}, {name}, {_ROLE_TEXT[view.agency][role]}."
                if self.gb
                else f"Saradnik{called.replace('known as', 'zvani')}, {name}, "
                f"{_ROLE_TEXT[view.agency][role]}."
            )
            item_id = self.item(report, text, when, [ref])
            self.entity(report, ref, "Person", props, item_id, "suspect", true_id=pid)

        # Where the money goes.
        bankers = net.with_role("hawala_banker") + net.with_role("money_handler")
        accounts = [acc for pid in bankers for acc in world.people[pid].accounts]
        if accounts and rng.random() < 0.7:
            acc = rng.choice(accounts)
            known_acc = view.account_records.get(acc.id)
            ref = known_acc or self.new_id(report)
            text = (
                f"Payments for crossings are paid into {acc.iban}."
                if self.gb
                else f"Uplate za prelazak vrše se na račun {acc.iban}."
            )
            item_id = self.item(report, text, when, [ref])
            if not known_acc:
                self.entity(
                    report,
                    ref,
                    "BankAccount",
                    {"iban": [acc.iban], "country": [acc.iban[:2].lower()]},
                    item_id,
                    true_id=acc.id,
                )
        del report["_prefix"]
        return report

    def build(self, n_reports: int) -> ReportSet:
        nets = [
            n for n in self.world.networks if any(self.view.primary(pid) for pid, _ in n.members)
        ]
        if not nets:
            return self.out
        for i in range(n_reports):
            report = self.report(nets[i % len(nets)], i + 1)
            if report is not None:
                self.out.reports.append(report)
        self.out.reports.sort(key=lambda r: (r["reported_at"], r["report_id"]))
        self.out.identities.sort()
        return self.out


def build_reports(world: World, view: AgencyView) -> ReportSet:
    """An agency's intelligence reports; their number grows slowly with scale."""
    n_reports = max(2, round(8 * world.scale**0.6))
    return _Writer(world, view).build(n_reports)
