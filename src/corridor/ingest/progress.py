"""Progress bars for long inputs, measured in bytes read so they work for any file format."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

#: Files smaller than this are read without a progress bar.
MIN_BYTES = 2_000_000


class _Counting(io.RawIOBase):
    """A raw stream that reports every read to a callback (for byte-accurate progress)."""

    def __init__(self, raw: BinaryIO, on_read: Progress | None, task: TaskID | None) -> None:
        self._raw = raw
        self._progress = on_read
        self._task = task

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if self._progress is not None and self._task is not None and n:
            self._progress.advance(self._task, n)
        return int(n or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


@contextmanager
def open_binary(path: Path, label: str, show: bool = True) -> Iterator[BinaryIO]:
    """Open a file for streaming bytes, with a progress bar on stderr when it is large."""
    size = path.stat().st_size
    raw = path.open("rb")
    if not show or size < MIN_BYTES:
        with io.BufferedReader(_Counting(raw, None, None), buffer_size=1 << 20) as f:
            yield f
        return
    progress = _progress()
    with progress:
        task = progress.add_task(label, total=size)
        with io.BufferedReader(_Counting(raw, progress, task), buffer_size=1 << 20) as f:
            yield f


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


@contextmanager
def open_text(
    path: Path, label: str, encoding: str = "utf-8-sig", show: bool = True
) -> Iterator[io.TextIOWrapper]:
    """Open a text file for streaming, with a progress bar on stderr when it is large."""
    size = path.stat().st_size
    raw = path.open("rb")
    if not show or size < MIN_BYTES:
        with io.TextIOWrapper(
            io.BufferedReader(_Counting(raw, None, None)), encoding=encoding, newline=""
        ) as f:
            yield f
        return
    progress = _progress()
    with progress:
        task = progress.add_task(label, total=size)
        counting = _Counting(raw, progress, task)
        with io.TextIOWrapper(io.BufferedReader(counting), encoding=encoding, newline="") as f:
            yield f
