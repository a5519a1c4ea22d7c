"""Scoring one pair in Python with a model Splink trained: for linking a new record against the
store in milliseconds, and for explaining any stored pair field by field."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corridor.resolve.comparisons import Comparison, Record


@dataclass(frozen=True, slots=True)
class FieldScore:
    comparison: str
    description: str
    gamma: int
    level: str
    weight: float
    left: Any
    right: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.comparison,
            "description": self.description,
            "level": self.level,
            "agrees": self.weight > 0,
            "weight": round(self.weight, 3),
            "left": self.left,
            "right": self.right,
        }


@dataclass(frozen=True, slots=True)
class Score:
    match_weight: float
    probability: float
    prior_weight: float
    fields: tuple[FieldScore, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "probability": self.probability,
            "match_weight": round(self.match_weight, 3),
            "prior_weight": round(self.prior_weight, 3),
            "fields": [f.to_dict() for f in self.fields],
        }


def probability(match_weight: float) -> float:
    if match_weight > 60:
        return 1.0
    if match_weight < -60:
        return 0.0
    odds = float(2.0**match_weight)
    return odds / (1.0 + odds)


class Scorer:
    """Match weights per comparison level, read from a trained Splink model."""

    def __init__(self, model: Mapping[str, Any], comparisons: Sequence[Comparison]) -> None:
        lam = float(model["probability_two_random_records_match"])
        self.prior = math.log2(lam / (1 - lam))
        by_name = {c.name: c for c in comparisons}
        self.comparisons: list[tuple[Comparison, list[float]]] = []
        for spec in model["comparisons"]:
            comparison = by_name.get(spec["output_column_name"])
            if comparison is None:
                continue
            levels = [lv for lv in spec["comparison_levels"] if not lv.get("is_null_level")]
            weights = [math.log2(lv["m_probability"] / lv["u_probability"]) for lv in levels]
            # weights[0] is the most specific level (gamma n) … weights[-1] is "else" (gamma 0)
            self.comparisons.append((comparison, weights))

    def score(self, left: Record, right: Record) -> Score:
        total = self.prior
        fields = []
        for comparison, weights in self.comparisons:
            gamma = comparison.gamma(left, right)
            weight = 0.0 if gamma < 0 else weights[len(weights) - 1 - gamma]
            total += weight
            shown = comparison.columns[0]
            fields.append(
                FieldScore(
                    comparison.name,
                    comparison.description,
                    gamma,
                    comparison.label(gamma),
                    weight,
                    left.get(shown),
                    right.get(shown),
                )
            )
        return Score(total, probability(total), self.prior, tuple(fields))
