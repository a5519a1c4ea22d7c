"""The Western Balkans scenario: a synthetic smuggling world, two agencies' records of it,
sensor feeds, and the ground truth to score every capability against (docs/scenario.md)."""

from corridor.scenario.build import build_scenario

__all__ = ["build_scenario"]
