"""Readers for every input Corridor takes, and the service that runs them transactionally."""

from corridor.ingest.service import KINDS, IngestReport, detect_kind, ingest_file, ingest_path

__all__ = ["KINDS", "IngestReport", "detect_kind", "ingest_file", "ingest_path"]
