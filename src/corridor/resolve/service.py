"""Entity resolution as a service: full runs, incremental linking, judgements, canonical views.

Everything the API and the CLI do about resolution goes through here. Source records are never
changed; resolution writes its own tables (`corridor.store`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from followthemoney import model as ftm

from corridor.access.caller import Caller
from corridor.audit import Event, audit
from corridor.errors import NotFound, ValidationError
from corridor.model.classification import Classification
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.model.statements import EntityRecord
from corridor.plugins import AfterIngestStep, Ingested, StepResult
from corridor.resolve.clusters import cluster
from corridor.resolve.engines import make_engine
from corridor.resolve.features import cannot_link, entity_input, person_features
from corridor.resolve.keys import index_keys, lookup_keys
from corridor.resolve.linkage import ModelSpec, spec_for, train
from corridor.resolve.names import learn_roles, roles_from_json, roles_to_json
from corridor.resolve.records import RESOLVABLE, feature_table, store_inputs
from corridor.resolve.scorer import Score, Scorer
from corridor.resolve.seen import ReaderView, sees_everything, spec_from_run, touched
from corridor.store.base import Store
from corridor.store.records import Judgement, Pair, ResolutionRun, ordered

#: Pairs at or above this probability are clustered together by default.
DEFAULT_THRESHOLD = 0.7
#: Pairs below this are not kept at all (they are not candidates worth showing).
KEEP_PAIRS_ABOVE = 0.05
#: An incremental link scores at most this many candidates: those sharing the most blocking
#: keys with the new record. A full run (Splink) scores every blocked pair.
MAX_CANDIDATES = 30
#: Above this many new records of a kind (and a tenth of the store), an ingest triggers a full
#: run rather than linking each record on its own.
INCREMENTAL_LIMIT = 2_000
VERDICTS = ("positive", "negative", "unsure")


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    kind: str
    engine: str
    records: int
    pairs: int
    clusters: int
    multi_record_clusters: int
    seconds: float


def kind_of(schema: str) -> str | None:
    s = ftm.get(schema)
    if s is None:
        return None
    for kind, names in RESOLVABLE.items():
        if any(s.is_a(n) for n in names):
            return kind
    return None


def _judged(
    store: Store, ids: Sequence[str] | None = None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(same, different) pairs from the latest judgement on each pair; 'unsure' decides nothing."""
    latest: dict[tuple[str, str], str] = {}
    for j in store.judgements(ids):
        latest[ordered(j.left_id, j.right_id)] = j.verdict
    same = [p for p, v in latest.items() if v == "positive"]
    different = [p for p, v in latest.items() if v == "negative"]
    return same, different


def resolve_all(
    store: Store,
    caller: Caller,
    kind: str = "Person",
    engine: str = "duckdb",
    threshold: float = DEFAULT_THRESHOLD,
) -> RunSummary:
    """Train on every stored record of a kind, score the blocked pairs, cluster with judgements
    (logged as the caller's, with what it found)."""
    if kind not in RESOLVABLE:
        raise ValidationError(f"cannot resolve {kind!r} (expected {', '.join(RESOLVABLE)})", "kind")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    inputs = store_inputs(store, kind)
    roles = learn_roles(n for i in inputs for n in i.names[:1]) if kind == "Person" else None
    rows = [person_features(i, roles) for i in inputs]
    run_id = uuid.uuid4().hex
    pairs: list[Pair] = []
    model: dict[str, Any] = {}
    spec = ModelSpec([], [])
    if len(rows) >= 2:
        table = feature_table(rows)
        spec = spec_for(table)
        eng = make_engine(engine)
        try:
            linker = train(eng, [table], spec, "dedupe_only")
            predictions = eng.to_arrow(
                linker.inference.predict(threshold_match_probability=KEEP_PAIRS_ABOVE)
            )
            model = linker.misc.save_model_to_json()
        finally:
            eng.close()
        for r in predictions.select(
            ["record_id_l", "record_id_r", "match_probability", "match_weight"]
        ).to_pylist():
            left, right = ordered(r["record_id_l"], r["record_id_r"])
            pairs.append(Pair(left, right, float(r["match_probability"]), float(r["match_weight"])))
    model["corridor_blocks"] = [list(b) for b in spec.blocks]
    model["corridor_name_roles"] = roles_to_json(roles)
    ids = [r["record_id"] for r in rows]
    same, different = _judged(store)
    by_id = {r["record_id"]: r for r in rows}
    clusters = cluster(
        ids,
        ((p.left_id, p.right_id, p.probability) for p in pairs),
        threshold,
        same,
        different,
        cannot_link(
            kind, by_id, ((p.left_id, p.right_id, p.probability) for p in pairs), threshold
        ),
    )
    keys = [(k, r["record_id"]) for r in rows for k in index_keys(kind, r, spec.blocks)]
    run = ResolutionRun(
        run_id, kind, engine, started, datetime.now(UTC), threshold, len(rows), len(pairs), model
    )
    store.replace_resolution(run, [(r["record_id"], r) for r in rows], keys, pairs, clusters)
    sizes: dict[str, int] = {}
    for c in clusters.values():
        sizes[c] = sizes.get(c, 0) + 1
    multi = sum(1 for n in sizes.values() if n > 1)
    seconds = round(time.perf_counter() - clock, 3)
    summary = RunSummary(run_id, kind, engine, len(rows), len(pairs), len(sizes), multi, seconds)
    audit(store, caller, Event.WRITE, f"resolve/{kind}",
          {"run": run_id, "engine": engine, "threshold": threshold, "records": len(rows),
           "pairs": len(pairs), "clusters": len(sizes)})  # fmt: skip
    return summary


def link_records(store: Store, kind: str, records: Sequence[dict[str, Any]]) -> list[Pair]:
    """Link new or changed records against the store without a full run; clusters update in place.

    Candidates come from the blocking-key index, scores from the current run's model in Python.
    The records are indexed before their candidates are looked up, so that new records are
    each other's candidates too (two records of one person in one file link), and linking the
    same records again finds what it found the first time (a follow-up resumed after a crash).
    """
    run = store.current_run(kind)
    if run is None or not records:
        return []
    spec = spec_from_run(run)
    scorer = Scorer(run.model, spec.comparisons)
    features = [(r["record_id"], r) for r in records]
    keys = [(k, r["record_id"]) for r in records for k in index_keys(kind, r, spec.blocks)]
    store.add_resolved(kind, run.id, features, keys, [], {})
    found: dict[tuple[str, str], Pair] = {}
    for record in records:
        lookups = sorted(lookup_keys(kind, record, spec.blocks))
        ranked = store.candidate_ids(kind, lookups, MAX_CANDIDATES + 1)
        candidates = [c for c in ranked if c != record["record_id"]][:MAX_CANDIDATES]
        stored = store.resolved_features(kind, candidates)
        for other_id in candidates:
            other = stored.get(other_id)
            left, right = ordered(record["record_id"], other_id)
            if other is None or (left, right) in found:
                continue  # a pair of two new records is scored once
            score = scorer.score(record, other)
            if score.probability >= KEEP_PAIRS_ABOVE:
                found[left, right] = Pair(left, right, score.probability, score.match_weight)
    new_pairs = list(found.values())
    ids = {r["record_id"] for r in records}
    clusters = _recluster(store, ids, new_pairs, run.threshold, kind)
    store.add_resolved(kind, run.id, features, keys, new_pairs, clusters)
    return new_pairs


def _recluster(
    store: Store, ids: Iterable[str], extra: Sequence[Pair], threshold: float, kind: str
) -> dict[str, str]:
    """Re-cluster the clusters touched by `ids` and by strong pairs, with every judgement (and,
    for organisations, never two firms of incompatible legal forms in one cluster)."""
    touched = set(ids) | {
        x for p in extra if p.probability >= threshold for x in (p.left_id, p.right_id)
    }
    current = store.clusters_of(sorted(touched))
    members = store.cluster_members(sorted(set(current.values())))
    affected = touched | {m for ms in members.values() for m in ms}
    pairs = {(p.left_id, p.right_id): p for p in store.pairs_of(sorted(affected))}
    for p in extra:
        pairs[(p.left_id, p.right_id)] = p
    links = [(p.left_id, p.right_id, p.probability) for p in pairs.values()
             if p.left_id in affected and p.right_id in affected]  # fmt: skip
    same, different = _judged(store, sorted(affected))
    features = (store.resolved_features(kind, sorted(affected))
                if kind in ("Organization", "Person") else {})  # fmt: skip
    result = cluster(
        sorted(affected),
        links,
        threshold,
        same,
        different,
        cannot_link(kind, features, links, threshold),
    )
    return {r: c for r, c in result.items() if r in affected}


def link_entities(store: Store, caller: Caller, entity_ids: Iterable[str]) -> dict[str, int]:
    """Link stored entities (e.g. just ingested) incrementally, by kind; returns pairs per kind."""

    by_kind: dict[str, list[dict[str, Any]]] = {}
    runs = {kind: store.current_run(kind) for kind in RESOLVABLE}
    roles = {
        kind: roles_from_json(run.model.get("corridor_name_roles"))
        for kind, run in runs.items()
        if run is not None
    }
    for entity_id in sorted(set(entity_ids)):
        record = store.get_entity(entity_id, SYSTEM_SCOPE)
        if record is None:
            continue
        kind = kind_of(record.entity.schema.name)
        if kind is None or kind not in roles:
            continue
        agencies = ",".join(sorted({str(s.row["agency"]) for s in record.statements}))
        features = person_features(entity_input(record.entity, agencies), roles[kind])
        by_kind.setdefault(kind, []).append(features)
    linked = {}
    for kind, rows in by_kind.items():
        run = runs[kind]
        assert run is not None
        if len(rows) > max(INCREMENTAL_LIMIT, run.records // 10):
            # A bulk load: one full run scores it faster than record-by-record linking.
            linked[kind] = resolve_all(store, caller, kind, run.engine, run.threshold).pairs
        else:
            linked[kind] = len(link_records(store, kind, rows))
    return linked


def link_new(store: Store, caller: Caller, ingested: Ingested) -> StepResult:
    """Link what an ingest added against the resolved store (once a resolution run exists).

    What it reports is what the caller may know: every link for the node's operator; for a
    user, the links of the ingested records that hold on what they see (as `matches` would
    show them), never a count of records or values above their clearance."""
    if not any(store.current_run(kind) for kind in RESOLVABLE):
        return StepResult()
    entity_ids = ingested.entity_ids
    linked = link_entities(store, caller, entity_ids)
    if caller.authz.system or sees_everything(caller.scope):
        return StepResult(linked=linked)
    return StepResult(linked=_linked_as_seen(store, caller.scope, entity_ids, linked))


def _linked_as_seen(
    store: Store, scope: ReadScope, entity_ids: Sequence[str], linked: dict[str, int]
) -> dict[str, int]:
    """Per kind linked, the pairs of the ingested records that hold for a reader."""
    view = ReaderView(store, scope)
    out = {}
    for kind in linked:
        ids = sorted(store.resolved_features(kind, sorted(set(entity_ids))))
        pairs: set[tuple[str, str]] = set()
        for record_id in ids:
            if view.record(record_id) is None:
                continue
            for link in view.links(record_id, KEEP_PAIRS_ABOVE):
                pairs.add(ordered(record_id, link.other))
        out[kind] = len(pairs)
    return out


LINK_NEW = AfterIngestStep(
    "link new and changed records to the resolved entities (once a resolution run exists)",
    run=link_new,
    deferrable=True,
)


def judge(
    store: Store,
    caller: Caller,
    left_id: str,
    right_id: str,
    verdict: str,
    note: str | None = None,
    user: str | None = None,
) -> Judgement:
    """Record an analyst's judgement and apply it to the clusters at once. It is recorded as
    `user`'s (by default the caller's: the console's operator may record an analyst's)."""
    for entity_id in (left_id, right_id):
        if store.get_entity(entity_id, caller.scope) is None:
            raise NotFound(f"no entity {entity_id!r}")
    if verdict not in VERDICTS:
        raise ValidationError(f"verdict must be one of {', '.join(VERDICTS)}", "verdict")
    if left_id == right_id:
        raise ValidationError("a judgement needs two different records", "right_id")
    current = store.clusters_of([left_id, right_id])
    missing = [i for i in (left_id, right_id) if i not in current]
    if missing:
        raise NotFound(f"record {missing[0]!r} has not been resolved (run `corridor resolve`)")
    left, right = ordered(left_id, right_id)
    user = user or caller.user
    # The note may say anything the judge knows: it is classified at their clearance.
    clearance = int(caller.authz.clearance)
    judgement = Judgement(
        uuid.uuid4().hex, left, right, verdict, user, datetime.now(UTC), note, clearance
    )
    store.add_judgement(judgement)
    kind_run = None
    for kind in RESOLVABLE:
        run = store.current_run(kind)
        if run is not None and store.resolved_features(kind, [left]):
            kind_run = run
            break
    threshold = kind_run.threshold if kind_run else DEFAULT_THRESHOLD
    kind = kind_run.kind if kind_run else "Person"
    clusters = _recluster(store, [left, right], [], threshold, kind)
    store.add_resolved(kind, kind_run.id if kind_run else "", [], [], [], clusters)
    detail: dict[str, Any] = {"verdict": verdict, "note": note}
    if user != caller.user:
        detail["recorded_as"] = user
    touched_now = _touched_ids(store, caller, [left, right])
    audit(store, caller, Event.JUDGE, f"judgements/{left}/{right}", detail,
          max(touched_now, Classification(clearance)) if note else touched_now)  # fmt: skip
    return judgement


def judgements(store: Store, caller: Caller, entity_id: str) -> list[Judgement]:
    """The judgements on an entity's pairs, oldest first (those on records the caller may not
    see left out; a note shown only to a reader cleared to its judge's clearance)."""
    view = ReaderView(store, caller.scope)
    if view.record(entity_id) is None:
        raise NotFound(f"no entity {entity_id!r}")
    found = []
    top = Classification.OFFICIAL
    for j in store.judgements([entity_id]):
        other = j.right_id if j.left_id == entity_id else j.left_id
        if view.record(other) is None:
            continue
        if j.note is not None and not note_readable(j, caller.scope):
            j = replace(j, note=None)
        elif j.note is not None and j.classification is not None:
            top = max(top, Classification(j.classification))
        found.append(j)
    records = [view.record(i) for j in found for i in (j.left_id, j.right_id)]
    audit(store, caller, Event.READ, f"entities/{entity_id}/judgements",
          {"judgements": [j.id for j in found]},
          max(top, touched([view.record(entity_id), *records])))  # fmt: skip
    return found


def note_readable(judgement: Judgement, scope: ReadScope) -> bool:
    """Whether a reader may read a judgement's note: cleared to its judge's clearance (a note
    recorded before clearances were is read only by those who see everything)."""
    if judgement.classification is None:
        return sees_everything(scope)
    return scope.max_classification >= judgement.classification


def _touched_ids(store: Store, caller: Caller, ids: Sequence[str]) -> Classification:
    return touched(store.get_entity(i, caller.scope) for i in ids)


def explain(store: Store, left_id: str, right_id: str, scope: ReadScope = SYSTEM_SCOPE) -> Score:
    """Why two records score what they do, field by field, under the current model.

    The stored features were computed from every statement; a reader who may not see some of a
    record's statements gets the explanation recomputed from those they may see, so that a
    compared value (a birth date, a passport number) never shows what their clearance hides."""
    view = ReaderView(store, scope)
    score = view.score(left_id, right_id)
    if score is None:
        raise NotFound(f"no resolved pair {left_id!r} – {right_id!r}")
    return score


def reader_clusters(store: Store, ids: Sequence[str], scope: ReadScope) -> dict[str, str]:
    """The clusters of records as a reader knows them (`corridor.resolve.seen`), each named by
    its least member: never a record the reader may not see, nor a cluster joined by values
    they may not see."""
    view = ReaderView(store, scope)
    out: dict[str, str] = {}
    for record_id in ids:
        members = view.cluster(record_id, DEFAULT_THRESHOLD)
        if members:
            out[record_id] = min(members)
    return out


def matches(store: Store, caller: Caller, entity_id: str, limit: int = 20) -> dict[str, Any]:
    """Candidate matches for an entity, each with its explanation, within the caller's scope:
    scored on the values the caller sees (a link that holds only on values above their
    clearance is not a candidate for them), and in their cluster only if those links join it."""
    view = ReaderView(store, caller.scope)
    record = view.record(entity_id)
    if record is None:
        raise NotFound(f"no entity {entity_id!r}")
    shown = view.links(entity_id, KEEP_PAIRS_ABOVE)[:limit]
    members = set(view.cluster(entity_id, DEFAULT_THRESHOLD))
    results = [
        {
            "id": link.other,
            "probability": link.probability,
            "match_weight": link.match_weight,
            "same_cluster": link.other in members,
            "explanation": link.score.to_dict(),
        }
        for link in shown
    ]
    consulted = touched(view.record(i) for i in [entity_id, *(k.other for k in shown)])
    audit(store, caller, Event.READ, f"entities/{entity_id}/matches",
          {"limit": limit, "ids": [r["id"] for r in results]}, consulted)  # fmt: skip
    cluster_id = min(members) if members and view.model(entity_id) is not None else None
    return {"id": entity_id, "cluster_id": cluster_id, "matches": results}


def canonical(store: Store, caller: Caller, entity_id: str) -> dict[str, Any]:
    """The merged view of an entity's cluster as the caller knows it (joined only by links that
    hold on what they see): every visible source statement, still attributed."""
    view = ReaderView(store, caller.scope)
    if view.record(entity_id) is None:
        raise NotFound(f"no entity {entity_id!r}")
    members = view.cluster(entity_id, DEFAULT_THRESHOLD)
    records = [r for r in (view.record(m) for m in members) if r is not None]
    rows = [s.row for r in records for s in r.statements]
    shown_id = min(members, default=entity_id)
    merged = EntityRecord.assemble(f"cluster:{shown_id}", rows)
    data = merged.to_dict()
    data["members"] = members
    data["cluster_id"] = shown_id
    audit(store, caller, Event.READ, f"entities/{entity_id}/canonical", {"members": members},
          touched(records))  # fmt: skip
    return data
