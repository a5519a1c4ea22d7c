"""Extension points: what Corridor can be extended with, and what is registered at each.

- `LIST_FORMATS` (list format → `ListLoader`): sniffs a list file and reads its listings;
  consulted by `screen.loaders.read_list` and `detect_format`, and named by `--format`.
- `ALGORITHMS` (algorithm → `Algorithm`): scores a listing against a query, feature by
  feature; chosen by `screen.matching.match` (`?algorithm=`), shown by `GET /algorithms`.
- `INGEST_READERS` (kind → `IngestReader`): recognises an input file by its name and reads it
  into the store; consulted by `ingest.service.ingest_file`, `detect_kind` and bundle
  manifests, and named by `--kind`.
- `AFTER_INGEST` (step → `AfterIngestStep`): runs on what a file added once its transaction
  has committed (resolution links the new records, screening screens them); run by
  `ingest.service.ingest_file`, which adds what each did to its report.

Every entry is named; the names are what users type (`--format un-xml`, `--kind anpr`,
`?algorithm=corridor-v1`) and what errors list when a name is unknown. Order matters: it is the
order of help texts and errors, and it breaks ties when two sniffers are equally sure.

Built-ins are registered here by dotted reference (`"corridor.screen.loaders.un:LOADER"`) and
imported on first use, so this module imports no capability at run time and any capability may
import it without an import cycle. That is dependency inversion: ingest depends on the
`AfterIngestStep` interface and runs whatever is registered, not on resolution or screening;
resolution and screening provide steps, and ingest never learns their names. The interfaces'
own types (a `Store`, a `ListedEntity`, …) are named for the type checker only.

Adding a list format is one module that defines its `ListLoader` and one line in
`LIST_FORMATS` below; the same holds for every point. Code outside Corridor registers at run
time, before use:

    from corridor.plugins import LIST_FORMATS, ListLoader
    LIST_FORMATS.register("acme-csv", ListLoader("ACME's list", sniff=..., read=...))
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from corridor.access.caller import Caller
    from corridor.ingest.base import IngestContext
    from corridor.screen.index import Profile
    from corridor.screen.listed import ListedEntity
    from corridor.screen.matcher import Config, Result
    from corridor.store.base import Store

T = TypeVar("T")

# --- the points' interfaces --------------------------------------------------------------------


@dataclass(frozen=True)
class ListLoader:
    """A published list format.

    `sniff(path, head)` says how sure it is (0: not this format, 1: certain) that `path` is in
    this format, from its name and `head` (its first bytes, decoded; empty for a folder): a
    list downloaded under any name still loads. `read(path, mapping)` yields the listings; it
    may check its input at once (a missing mapping fails the call, not the first iteration).
    """

    description: str
    sniff: Callable[[Path, str], float]
    read: Callable[[Path, Path | None], Iterator[ListedEntity]]
    #: Reads a mapping file (given, or beside the list): a mapping given with no format picks it.
    takes_mapping: bool = False


@dataclass(frozen=True)
class Algorithm:
    """A screening algorithm, in the manner of nomenklatura's: its features (the keys of a
    result's explanations) and its configuration (the weights a request may override) are
    documented where they are defined, and `GET /algorithms` shows them."""

    description: str
    features: Mapping[str, str]
    config: Config
    #: What each weight of `config` does.
    config_docs: Mapping[str, str]
    compare: Callable[[Profile, Profile, Config], Result]


@dataclass(frozen=True)
class IngestReader:
    """A kind of input file.

    `sniff(path)` says from the file's name alone how sure it is (0–1) that the file is of this
    kind (the file need not exist yet); `read(ctx)` writes the file's records through
    `ctx.writer`, inside the file's one transaction.
    """

    description: str
    sniff: Callable[[Path], float]
    read: Callable[[IngestContext], None]
    #: Needs a mapping file (`ctx.mapping`): a mapping given with no kind picks it.
    needs_mapping: bool = False


@dataclass(frozen=True)
class StepResult:
    """What an after-ingest step did, added into the ingest report."""

    linked: Mapping[str, int] = field(default_factory=dict)
    alerts: int = 0


@dataclass(frozen=True)
class Ingested:
    """What one ingest added or changed: the entities it wrote statements about, and its id,
    which every observation it wrote carries (`ingest_id`)."""

    ingest_id: str
    entity_ids: list[str]


@dataclass(frozen=True)
class AfterIngestStep:
    """Work on what an ingest added or changed (`Ingested`), run in order once the file's
    transaction has committed, so it sees the new records; what it does is done for the caller
    who ingested (and logged as theirs)."""

    description: str
    run: Callable[[Store, Caller, Ingested], StepResult]
    #: A bulk load (`ingest_file(link=False)`) may leave this step for later.
    deferrable: bool = False


# --- the registry ------------------------------------------------------------------------------


class Registry(Generic[T]):
    """Named entries of one extension point: built-ins by dotted reference, imported on first
    use, and entries registered at run time."""

    def __init__(
        self, kind: type[T], point: str, builtins: Mapping[str, str], default: str | None = None
    ) -> None:
        self.kind = kind
        self.point = point
        #: Every name in order, with its dotted reference (None: registered at run time).
        self._refs: dict[str, str | None] = dict(builtins)
        self._entries: dict[str, T] = {}
        self._lock = threading.Lock()
        if default is not None and default not in self._refs:
            raise ValueError(f"default {point} {default!r} is not registered")
        self._default = default

    @property
    def names(self) -> tuple[str, ...]:
        """Every registered name, built-ins first, in the order they were registered."""
        return tuple(self._refs)

    @property
    def default(self) -> str:
        """The entry used when none is named."""
        if self._default is None:
            raise LookupError(f"no default {self.point}")
        return self._default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._refs

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self._refs)

    def __repr__(self) -> str:
        return f"Registry({self.point!r}: {', '.join(self.names)})"

    def get(self, name: str) -> T:
        """The entry called `name` (a built-in is imported now, the first time)."""
        entry = self._entries.get(name)
        if entry is not None:
            return entry
        with self._lock:
            entry = self._entries.get(name)
            ref = self._refs.get(name)
            if entry is None:
                if ref is None:
                    raise LookupError(
                        f"unknown {self.point} {name!r} (one of {', '.join(self.names)})"
                    )
                entry = self._check(name, _resolve(ref))
                self._entries[name] = entry
        return entry

    def items(self) -> list[tuple[str, T]]:
        """Every entry with its name, in order (importing the built-ins not yet used)."""
        return [(name, self.get(name)) for name in self.names]

    def register(self, name: str, entry: T, replace: bool = False) -> None:
        """Add an entry (or, with `replace`, swap one registered under that name)."""
        if not name or name != name.strip():
            raise ValueError(f"invalid {self.point} name {name!r}")
        entry = self._check(name, entry)
        with self._lock:
            if name in self._refs and not replace:
                raise ValueError(f"{self.point} {name!r} is already registered")
            self._refs[name] = None
            self._entries[name] = entry

    def unregister(self, name: str) -> None:
        """Remove an entry (the default stays)."""
        if name == self._default:
            raise ValueError(f"{name!r} is the default {self.point}")
        with self._lock:
            if name not in self._refs:
                raise LookupError(f"unknown {self.point} {name!r}")
            del self._refs[name]
            self._entries.pop(name, None)

    def _check(self, name: str, entry: object) -> T:
        if not isinstance(entry, self.kind):
            raise TypeError(
                f"{self.point} {name!r} is a {type(entry).__name__}, not a {self.kind.__name__}"
            )
        return entry


def _resolve(ref: str) -> object:
    """The object a dotted reference ("package.module:NAME") names."""
    module, _, attr = ref.partition(":")
    obj: object = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


# --- what is registered --------------------------------------------------------------------------

LIST_FORMATS: Registry[ListLoader] = Registry(
    ListLoader,
    "list format",
    {
        "un-xml": "corridor.screen.loaders.un:LOADER",
        "ofac-csv": "corridor.screen.loaders.ofac:LOADER",
        "eu-csv": "corridor.screen.loaders.eu:LOADER",
        "uk-csv": "corridor.screen.loaders.uk:CSV_LOADER",
        "uk-xml": "corridor.screen.loaders.uk:XML_LOADER",
        "ftm": "corridor.screen.loaders.ftm:LOADER",
        "watchlist": "corridor.screen.loaders.watchlist:LOADER",
    },
)

ALGORITHMS: Registry[Algorithm] = Registry(
    Algorithm,
    "algorithm",
    {"corridor-v1": "corridor.screen.matcher:CORRIDOR_V1"},
    default="corridor-v1",
)

INGEST_READERS: Registry[IngestReader] = Registry(
    IngestReader,
    "kind",
    {
        "tabular": "corridor.ingest.tabular:READER",
        "ftm": "corridor.ingest.ftm:READER",
        "report": "corridor.ingest.reports:READER",
        "anpr": "corridor.ingest.sensors:ANPR",
        "detections": "corridor.ingest.sensors:DETECTIONS",
        "sightings": "corridor.ingest.sensors:SIGHTINGS",
        "scans": "corridor.ingest.sensors:SCANS",
    },
)

AFTER_INGEST: Registry[AfterIngestStep] = Registry(
    AfterIngestStep,
    "after-ingest step",
    {
        "link": "corridor.resolve.service:LINK_NEW",
        "screen": "corridor.screen.alerts:SCREEN_NEW",
        "watch": "corridor.sensors.watch:WATCH_NEW",
    },
)

#: Every extension point, by the name of what it registers.
EXTENSION_POINTS: Mapping[str, Registry[Any]] = {
    "list-format": LIST_FORMATS,
    "algorithm": ALGORITHMS,
    "ingest-reader": INGEST_READERS,
    "after-ingest": AFTER_INGEST,
}
