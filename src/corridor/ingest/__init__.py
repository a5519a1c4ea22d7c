"""Readers for every input Corridor takes, and the service that runs them transactionally.

The kinds of input are registered in `corridor.plugins.INGEST_READERS`.
"""

from corridor.ingest.service import IngestReport, detect_kind, ingest_file, ingest_path

__all__ = ["IngestReport", "detect_kind", "ingest_file", "ingest_path"]
