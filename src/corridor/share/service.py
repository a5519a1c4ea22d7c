"""Sharing between nodes: what the API and the command line call.

`SharingService` is the core (partners, agreements, selecting, sending, receiving: `core.py`)
with requests for information (`requests.py`) and corrections and recall (`corrections.py`).
"""

from __future__ import annotations

from corridor.share.core import (
    RELATED_HOPS,
    SPOOL_DIR,
    Selection,
    Sent,
    SharingCore,
    Transport,
    http_transport,
    receipt_bytes,
)
from corridor.share.corrections import Corrections
from corridor.share.requests import SUBJECT_KINDS, Requests


class SharingService(Requests, Corrections):
    """One node's sharing: send, receive, ask and answer, correct and recall."""


__all__ = [
    "RELATED_HOPS",
    "SPOOL_DIR",
    "SUBJECT_KINDS",
    "Selection",
    "Sent",
    "SharingCore",
    "SharingService",
    "Transport",
    "http_transport",
    "receipt_bytes",
]
