"""A pinned partner's signed package with any content at all: it is imported, or refused as
`malformed` before anything is spooled; never another error. Whatever came before, the node
still reads every record it holds, recovers its spool and serves."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.api.app import create_app
from corridor.errors import PackageRefused
from corridor.model.scope import SYSTEM_SCOPE
from corridor.share.package import seal
from corridor.store.records import ObservationQuery
from sharing_support import node_pair
from test_share_malformed import good_content

#: JSON values of every kind a partner's encoder writes: integers in 64 bits, text without lone
#: surrogates (which UTF-8 cannot carry).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | TEXT
)  # fmt: skip
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
STATEMENT_KEYS = ["id", "entity_id", "schema", "prop", "prop_type", "value", "dataset", "agency",
                  "grading", "grading_scheme", "classification", "lang", "collected_at",
                  "review_by", "person_category", "original_value"]  # fmt: skip
OBSERVATION_KEYS = ["source_id", "observed_at", "lat", "lon", "sensor_id", "place", "plate",
                    "agency", "grading", "classification", "lane", "confidence"]  # fmt: skip
TOP_KEYS = ["statements", "observations", "retract", "manifest", "requests", "answers"]

#: One change: where (a statement's, an observation's or the package's key) and what.
CHANGE = st.tuples(
    st.sampled_from(["statement", "observation", "top"]),
    st.sampled_from(STATEMENT_KEYS + OBSERVATION_KEYS + TOP_KEYS) | TEXT,
    st.booleans(),  # drop the key instead
    VALUES,
)


def _changed(content: dict[str, Any], changes: list[tuple[str, str, bool, Any]]) -> dict[str, Any]:
    out = copy.deepcopy(content)
    for where, key, drop, value in changes:
        target = {"statement": out["statements"][0] if out.get("statements") else {},
                  "observation": out["observations"]["anpr"][0]
                  if isinstance(out.get("observations"), dict)
                  and out["observations"].get("anpr") else {},
                  "top": out}[where]  # fmt: skip
        if not isinstance(target, dict):
            continue
        if drop:
            target.pop(key, None)
        else:
            target[key] = value
    return out


def test_any_signed_content_is_imported_or_refused_and_the_node_keeps_serving(
    tmp_path: Path,
) -> None:
    rs, uk, _ = node_pair(tmp_path)
    good = good_content(rs)
    sequence = itertools.count(100)
    outcomes: dict[str, int] = {}

    @settings(max_examples=80, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(st.lists(CHANGE, min_size=1, max_size=3))
    def receive_any(changes: list[tuple[str, str, bool, Any]]) -> None:
        content = _changed(good, changes)
        _, blob = seal(rs.identity, uk.identity.public, "intelligence", next(sequence), content)
        try:
            uk.receive(blob)
            outcomes["imported"] = outcomes.get("imported", 0) + 1
        except PackageRefused as refused:
            assert refused.reason == "malformed", refused.message
            outcomes["refused"] = outcomes.get("refused", 0) + 1
        assert not list((tmp_path / "uk" / "inbox").glob("*.pkg"))  # nothing left spooled
        # Every record the node holds still reads, and none is in its own agency's name.
        for record in uk.store.iter_entities(SYSTEM_SCOPE):
            assert all(s.row["agency"] != "GB-NCA" for s in record.statements)
        uk.store.observations(ObservationQuery(limit=1000), SYSTEM_SCOPE)
        assert uk.recover() == []

    receive_any()
    assert outcomes.get("refused", 0) > 10 and outcomes.get("imported", 0) > 0, outcomes
    with TestClient(create_app(uk.store, sharing_service=uk)) as client:
        assert client.get("/health").status_code == 200
