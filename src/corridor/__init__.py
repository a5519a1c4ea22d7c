"""Corridor: intelligence fusion and direct sharing against organised immigration crime."""

__version__ = "0.1.0"
