"""Extension points: the registries, their built-ins, and entries registered at run time taking
part in detection, reading, matching and ingest like built-ins."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from followthemoney import model

from corridor.access.caller import Caller
from corridor.errors import InputError, ValidationError
from corridor.ingest.base import IngestContext, named
from corridor.ingest.service import detect_kind, ingest_file
from corridor.model.statements import entity_statements
from corridor.plugins import (
    AFTER_INGEST,
    ALGORITHMS,
    EXTENSION_POINTS,
    INGEST_READERS,
    LIST_FORMATS,
    AfterIngestStep,
    Algorithm,
    Ingested,
    IngestReader,
    ListLoader,
    Registry,
    StepResult,
)
from corridor.screen.index import Profile
from corridor.screen.listed import ListedEntity
from corridor.screen.loaders import detect_format, read_list
from corridor.screen.matcher import CORRIDOR_V1, WEIGHTS, Config, Result
from corridor.screen.matching import algorithms, match
from corridor.store.base import Store


def test_every_builtin_resolves_to_an_entry_of_its_point() -> None:
    assert set(EXTENSION_POINTS) == {"list-format", "algorithm", "ingest-reader", "after-ingest"}
    for registry in EXTENSION_POINTS.values():
        for name, entry in registry.items():
            assert isinstance(entry, registry.kind), name
            assert entry.description
    assert LIST_FORMATS.names == (
        "un-xml",
        "ofac-csv",
        "eu-csv",
        "uk-csv",
        "uk-xml",
        "ftm",
        "watchlist",
    )
    assert INGEST_READERS.names == (
        "tabular",
        "ftm",
        "report",
        "anpr",
        "detections",
        "sightings",
        "scans",
    )
    assert AFTER_INGEST.names == ("link", "screen", "watch")
    assert ALGORITHMS.default == "corridor-v1" and ALGORITHMS.get("corridor-v1") is CORRIDOR_V1


def test_corridor_v1_documents_every_weight_and_feature() -> None:
    assert set(CORRIDOR_V1.config_docs) == set(CORRIDOR_V1.config.weights) == set(WEIGHTS)
    assert all(doc.endswith(".") for doc in CORRIDOR_V1.config_docs.values())
    [doc] = algorithms()["algorithms"]
    assert doc["config"]["weak_alias"] == {
        "type": "float",
        "default": 0.8,
        "description": "A weak alias counts this much of a strong name.",
    }
    assert set(doc["features"]) == set(CORRIDOR_V1.features)


def test_builtins_are_imported_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme_loader.py").write_text(
        "from corridor.plugins import ListLoader\n"
        "LOADER = ListLoader('ACME', sniff=lambda p, h: 0.0, read=lambda p, m: iter(()))\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry(ListLoader, "list format", {"acme": "acme_loader:LOADER"})
    assert "acme" in registry and registry.names == ("acme",)
    assert "acme_loader" not in sys.modules
    assert registry.get("acme").description == "ACME"
    assert "acme_loader" in sys.modules
    monkeypatch.delitem(sys.modules, "acme_loader")


def test_registry_errors_name_what_is_known() -> None:
    registry = Registry(StepResult, "thing", {"one": "corridor.plugins:StepResult"})
    with pytest.raises(LookupError, match=r"unknown thing 'two' \(one of one\)"):
        registry.get("two")
    with pytest.raises(TypeError, match="not a StepResult"):
        registry.get("one")  # the class itself, not an instance
    registry.register("two", StepResult(alerts=2))
    with pytest.raises(ValueError, match="already registered"):
        registry.register("two", StepResult())
    registry.register("two", StepResult(alerts=3), replace=True)
    assert registry.names == ("one", "two") and registry.get("two").alerts == 3
    with pytest.raises(TypeError):
        registry.register("three", "not a step result")  # type: ignore[arg-type]
    registry.unregister("two")
    assert "two" not in registry and len(registry) == 1
    with pytest.raises(ValueError, match="not registered"):
        Registry(StepResult, "thing", {}, default="one")


# --- a list format added at run time --------------------------------------------------------------


def _read_acme(path: Path, mapping: Path | None) -> Iterator[ListedEntity]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        person = model.make_entity("Person")
        person.id = f"acme-{n}"
        person.add("name", line)
        yield ListedEntity(person, None, n)


ACME = ListLoader(
    "ACME's list: one name a line",
    sniff=lambda path, head: 1.0 if path.suffix == ".acme" else 0.0,
    read=_read_acme,
)


@pytest.fixture
def acme() -> Iterator[None]:
    LIST_FORMATS.register("acme", ACME)
    yield
    LIST_FORMATS.unregister("acme")


def test_a_list_format_registered_at_run_time_is_detected_and_read(
    acme: None, tmp_path: Path
) -> None:
    path = tmp_path / "names.acme"
    path.write_text("Ivan Petrov\nAna Ilić\n", encoding="utf-8")
    assert detect_format(path) == "acme"
    assert [str(i.entity.id) for i in read_list(path)] == ["acme-1", "acme-2"]
    with pytest.raises(InputError, match=r"one of un-xml, .*, watchlist, acme"):
        read_list(path, "pdf")


# --- an algorithm added at run time ---------------------------------------------------------------


def _zero(query: Profile, candidate: Profile, config: Config) -> Result:
    return Result(0.0, {})


@pytest.fixture
def nothing_matches() -> Iterator[None]:
    ALGORITHMS.register(
        "nothing",
        Algorithm(
            description="Scores every candidate 0.",
            features={},
            config=CORRIDOR_V1.config,
            config_docs=CORRIDOR_V1.config_docs,
            compare=_zero,
        ),
    )
    yield
    ALGORITHMS.unregister("nothing")


def test_an_algorithm_registered_at_run_time_is_listed_and_chosen(
    nothing_matches: None, store: Store
) -> None:
    docs = algorithms()
    assert [a["name"] for a in docs["algorithms"]] == ["corridor-v1", "nothing"]
    assert docs["default"] == "corridor-v1"
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}}}}
    assert match(store, Caller.operator(), "default", body, algorithm="nothing")["matcher"] == {}
    with pytest.raises(ValidationError, match=r"available: corridor-v1, nothing"):
        match(store, Caller.operator(), "default", body, algorithm="name-based")


# --- an ingest reader and an after-ingest step added at run time ----------------------------------


def _read_names(ctx: IngestContext) -> None:
    rows = []
    for n, line in enumerate(ctx.path.read_text(encoding="utf-8").splitlines(), start=1):
        person = model.make_entity("Person")
        person.id = f"names-{n}"
        person.add("name", line)
        rows.extend(entity_statements(person, ctx.provenance(where=n)))
        ctx.writer.count_read()
    ctx.writer.add_statements(rows)


@pytest.fixture
def names_kind() -> Iterator[list[list[str]]]:
    seen: list[list[str]] = []

    def count(store: Store, caller: Caller, ingested: Ingested) -> StepResult:
        seen.append(ingested.entity_ids)
        return StepResult(linked={"Person": len(ingested.entity_ids)}, alerts=1)

    INGEST_READERS.register("names", IngestReader("one name a line", named(".names"), _read_names))
    AFTER_INGEST.register("count", AfterIngestStep("count", run=count, deferrable=True))
    yield seen
    INGEST_READERS.unregister("names")
    AFTER_INGEST.unregister("count")


def test_a_reader_and_a_step_registered_at_run_time_take_part_in_ingest(
    names_kind: list[list[str]], store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "people.names"
    path.write_text("Ivan Petrov\nAna Ilić\n", encoding="utf-8")
    assert detect_kind(path) == "names"
    defaults = {"agency": "RS-MUP", "grading": "2BP", "classification": "OFFICIAL"}
    report = ingest_file(store, Caller.operator(), path, defaults=defaults, show_progress=False)
    assert (report.kind, report.rows_read) == ("names", 2)
    # The step ran after the commit, on the new entities; what it did is in the report
    # (added to what the built-in steps did: nothing here, with no resolution run or list).
    assert names_kind == [["names-1", "names-2"]]
    assert report.linked == {"Person": 2} and report.alerts == 1
    # A deferrable step waits when a bulk load defers linking.
    path.write_text("Marko Marković\n", encoding="utf-8")
    report = ingest_file(
        store, Caller.operator(), path, defaults=defaults, show_progress=False, link=False
    )
    assert names_kind == [["names-1", "names-2"]] and report.linked == {}
    with pytest.raises(InputError, match=r"expected tabular, .*, scans, names"):
        ingest_file(
            store, Caller.operator(), path, kind="pdf", defaults=defaults, show_progress=False
        )
