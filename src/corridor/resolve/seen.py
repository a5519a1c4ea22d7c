"""Resolution as one reader sees it: links rescored on the values they may see, and clusters
formed from those links only.

Resolution runs over every statement (the system scope), so a stored pair's probability and a
stored cluster may rest on values above a reader's clearance. Shown as they are, they disclose
those values: a probability of 0.9999998 where the reader's own evidence says 0.52, or two
records merged by a passport number the reader may not see. A reader is therefore shown only
what holds on what they can see: each link is scored again from the reader's view of both
records (the same scorer the explanation uses, so the probability shown *is* the explained
one), and their clusters are the connected components of the links that still reach the
threshold, with the analysts' judgements between records they see. A reader who sees every
statement of both records of a pair gets its stored probability unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from corridor.model.classification import Classification, highest
from corridor.model.scope import SYSTEM_SCOPE, ReadScope
from corridor.model.statements import EntityRecord
from corridor.resolve.clusters import cluster
from corridor.resolve.features import cannot_link, entity_input, person_features
from corridor.resolve.linkage import COMPARISONS, ModelSpec
from corridor.resolve.names import roles_from_json
from corridor.resolve.records import RESOLVABLE
from corridor.resolve.scorer import Score, Scorer
from corridor.store.base import Store
from corridor.store.records import Pair, ResolutionRun, ordered

#: A reader's cluster is searched no further than this many records (a guard for the API: the
#: scenario's largest cluster has a handful).
MAX_COMPONENT = 500


def spec_from_run(run: ResolutionRun) -> ModelSpec:
    """The comparisons and blocking rules a run was trained with."""
    names = {c["output_column_name"] for c in run.model["comparisons"]}
    blocks = [tuple(b) for b in run.model.get("corridor_blocks", [])]
    return ModelSpec([c for n, c in COMPARISONS.items() if n in names], blocks)


def sees_everything(scope: ReadScope) -> bool:
    """Whether a scope lets every statement through (the system's, a TOP SECRET reader's)."""
    return scope.agencies is None and scope.max_classification >= Classification.TOP_SECRET


@dataclass(frozen=True, slots=True)
class Link:
    """A stored pair as a reader sees it: its probability and weight on the values they see."""

    other: str
    probability: float
    match_weight: float
    score: Score


class ReaderView:
    """What one reader sees of the resolved store; every record and feature row is read once."""

    def __init__(self, store: Store, scope: ReadScope) -> None:
        self.store = store
        self.scope = scope
        self.everything = sees_everything(scope)
        self._records: dict[str, EntityRecord | None] = {}
        self._whole: dict[str, bool] = {}
        self._features: dict[str, dict[str, Any] | None] = {}
        self._kinds: dict[str, tuple[ResolutionRun, Scorer, Any] | None] = {}
        self._runs: dict[str, tuple[ResolutionRun, Scorer, Any] | None] = {}

    # -- records and features ------------------------------------------------------------------

    def record(self, record_id: str) -> EntityRecord | None:
        """The record as the reader sees it (None: none of it)."""
        if record_id not in self._records:
            self._records[record_id] = self.store.get_entity(record_id, self.scope)
        return self._records[record_id]

    def whole(self, record_id: str) -> bool:
        """Whether the reader sees every statement of a record."""
        if self.everything:
            return True
        if record_id not in self._whole:
            seen = self.record(record_id)
            full = self.store.get_entity(record_id, SYSTEM_SCOPE)
            self._whole[record_id] = (
                seen is not None
                and full is not None
                and len(seen.statements) == len(full.statements)
            )
        return self._whole[record_id]

    def _run(self, kind: str) -> tuple[ResolutionRun, Scorer, Any] | None:
        """A kind's current run, its scorer and its name roles (read once)."""
        if kind not in self._runs:
            run = self.store.current_run(kind)
            self._runs[kind] = None if run is None else (
                run,
                Scorer(run.model, spec_from_run(run).comparisons),
                roles_from_json(run.model.get("corridor_name_roles")),
            )  # fmt: skip
        return self._runs[kind]

    def model(
        self, record_id: str, hint: str | None = None
    ) -> tuple[ResolutionRun, Scorer, Any] | None:
        """The run (and its scorer and name roles) of the kind a record was resolved as
        (`hint`: the kind to try first, a paired record's)."""
        if record_id not in self._kinds:
            self._kinds[record_id] = None
            kinds = sorted(RESOLVABLE, key=lambda k: k != hint)
            for kind in kinds:
                found = self._run(kind)
                if found is None:
                    continue
                stored = self.store.resolved_features(kind, [record_id])
                if not stored:
                    continue
                self._kinds[record_id] = found
                if self.whole(record_id):
                    self._features[record_id] = stored[record_id]
                break
        return self._kinds[record_id]

    def features(self, record_id: str, hint: str | None = None) -> dict[str, Any] | None:
        """A record's features as the reader sees it: the stored row when they see all of it,
        else computed again from the statements they see (None: not resolved, or not seen)."""
        if record_id in self._features:
            return self._features[record_id]
        found = self.model(record_id, hint)
        seen = self.record(record_id)
        if found is None or seen is None:
            self._features[record_id] = None
            return None
        if record_id not in self._features:  # `model` keeps the stored row of a whole record
            _, _, roles = found
            agencies = ",".join(sorted({str(s.row["agency"]) for s in seen.statements}))
            self._features[record_id] = person_features(entity_input(seen.entity, agencies), roles)
        return self._features[record_id]

    # -- links -----------------------------------------------------------------------------------

    def score(self, left_id: str, right_id: str) -> Score | None:
        """The pair scored on the values the reader sees of both records."""
        found = self.model(left_id)
        if found is None:
            return None
        left, right = self.features(left_id), self.features(right_id, found[0].kind)
        if left is None or right is None:
            return None
        return found[1].score(left, right)

    def link(self, record_id: str, pair: Pair) -> Link | None:
        """A stored pair of `record_id` as the reader sees it (None: they may not see the other
        record). A pair of two records they see whole keeps its stored probability."""
        other = pair.right_id if pair.left_id == record_id else pair.left_id
        if self.record(other) is None:
            return None
        score = self.score(record_id, other)
        if score is None:
            return None
        if self.whole(record_id) and self.whole(other):
            return Link(other, pair.probability, pair.match_weight, score)
        return Link(other, score.probability, score.match_weight, score)

    def links(self, record_id: str, at_least: float) -> list[Link]:
        """The stored pairs of a record that hold for the reader at `at_least`, strongest first."""
        found = []
        for pair in self.store.pairs_of([record_id]):
            link = self.link(record_id, pair)
            if link is not None and link.probability >= at_least:
                found.append(link)
        found.sort(key=lambda k: (-k.probability, k.other))
        return found

    # -- clusters --------------------------------------------------------------------------------

    def threshold(self, record_id: str, default: float) -> float:
        found = self.model(record_id)
        return found[0].threshold if found is not None else default

    def cluster(self, record_id: str, default_threshold: float) -> list[str]:
        """The members of a record's cluster as the reader knows it (the record among them,
        none when they may not see it): the stored cluster for a reader who sees everything,
        else the connected component of the links that hold for them, kept apart where
        analysts judged apart and where `features.cannot_link` forbids (for a reader who sees
        every record of a cluster whole, the same cluster: the stored one is formed by the same
        rule)."""
        if self.record(record_id) is None:
            return []
        threshold = self.threshold(record_id, default_threshold)
        if self.everything:
            stored = self.store.clusters_of([record_id]).get(record_id, record_id)
            return sorted(self.store.cluster_members([stored]).get(stored, [record_id]))
        return self._component(record_id, threshold)

    def _component(self, record_id: str, threshold: float) -> list[str]:
        found = {record_id}
        frontier = [record_id]
        links: list[tuple[str, str, float]] = []
        while frontier and len(found) < MAX_COMPONENT:
            following: list[str] = []
            for current in frontier:
                for link in self.links(current, threshold):
                    links.append((current, link.other, link.probability))
                    if link.other not in found:
                        found.add(link.other)
                        following.append(link.other)
            for left, right in self._judged(frontier, "positive"):
                for other in (left, right):
                    if other not in found:
                        found.add(other)
                        following.append(other)
            frontier = following
        same = self._judged(found, "positive")
        different = self._judged(found, "negative")
        # The rules that keep records apart, on the values the reader sees.
        run = self.model(record_id)
        features = {m: self.features(m) for m in found}
        conflict = cannot_link(run[0].kind, features, links, threshold) if run else None
        clusters = cluster(sorted(found), links, threshold, same, different, conflict)
        mine = clusters[record_id]
        return sorted(m for m in found if clusters[m] == mine)

    def _judged(self, ids: Iterable[str], verdict: str) -> list[tuple[str, str]]:
        """Pairs of records the reader sees whose latest judgement is `verdict`."""
        latest: dict[tuple[str, str], str] = {}
        for j in self.store.judgements(sorted(set(ids))):
            latest[ordered(j.left_id, j.right_id)] = j.verdict
        return [
            p for p, v in latest.items()
            if v == verdict and self.record(p[0]) is not None and self.record(p[1]) is not None
        ]  # fmt: skip


def touched(records: Iterable[EntityRecord | None]) -> Classification:
    """The highest classification among the statements of records (OFFICIAL for none): what a
    read of them is recorded as having consulted."""
    return highest(r.classification for r in records if r is not None)
