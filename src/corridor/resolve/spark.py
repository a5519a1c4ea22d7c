"""Splink on Spark in local mode: the engine for data that outgrows one DuckDB process.

One Spark session per process. `shared_spark_session()` starts it on first use — local mode,
bound to 127.0.0.1 with the UI off, Splink's similarity jar on the classpath, a checkpoint
directory in a temporary folder, logging at ERROR — and every `SparkEngine` works in its own
child session (`SparkSession.newSession()`): separate temporary views, UDFs and SQL settings over
the one shared SparkContext. `SparkEngine.close()` drops only that child's views and the
intermediate files Splink wrote for them; the shared session lives until `stop_spark_session()`,
which also runs at interpreter exit, stops the JVM and removes the session's folder.

A served node must not keep a JVM (about 900 MB) for the rest of its life after one Spark run:
once no engine is open for `Settings().spark_idle_seconds`, the session and its JVM are
stopped; the next run starts them again. The session's folder (the JVM's temporary files,
spills, checkpoints) lies under the node's work directory (`engines.use_scratch`).

Importing this module needs pyspark (an ImportError otherwise, which `make_engine` turns into
`EngineUnavailable`); starting the session needs Java 17 or newer.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pyarrow as pa
from pyspark import SparkContext
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession
from splink import SparkAPI
from splink.backends.spark import similarity_jar_location

from corridor.resolve.engines import Engine, EngineUnavailable
from corridor.resources import scratch_dir
from corridor.settings import Settings

#: Local mode on every core of this machine.
MASTER = "local[*]"
#: The driver is the whole of a local-mode Spark: match the DuckDB engine's memory limit.
DRIVER_MEMORY = "2g"
#: Spark 4 needs Java 17 or newer.
MIN_JAVA = 17
#: How long the JVM is given to exit once asked, before it is killed.
JVM_STOP_SECONDS = 10

_LOG4J2_PROPERTIES = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
# PySpark's gateway sets up logging as a shell does: unless its own logger has the root's level
# it prints a "Setting default log level" banner and logs at WARN.
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""

_lock = threading.Lock()
_session: SparkSession | None = None
_workdir: tempfile.TemporaryDirectory[str] | None = None
_open_engines = 0  # engines not yet closed: the session is idle at 0
_idle_timer: threading.Timer | None = None


def java_major_version(java: str) -> int | None:
    """The major version of the `java` executable at `java` (None if it cannot say)."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    # Java 8 and older call themselves "1.8".
    return int(match.group(2) or 0) if major == 1 else major


def find_java() -> str:
    """The `java` Spark will launch (`$JAVA_HOME/bin/java`, else the one on PATH), checked."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if java is None or not os.access(java, os.X_OK):
        where = f"JAVA_HOME={java_home} has no bin/java" if java_home else "no `java` on PATH"
        raise EngineUnavailable(
            f"the Spark engine needs Java {MIN_JAVA} or newer, and {where}; install a JRE "
            "(`make system-deps`, or `apt-get install openjdk-17-jre-headless`)"
        )
    version = java_major_version(java)
    if version is None or version < MIN_JAVA:
        found = "an unknown version" if version is None else f"Java {version}"
        raise EngineUnavailable(
            f"the Spark engine needs Java {MIN_JAVA} or newer, and {java} is {found}; "
            "install openjdk-17-jre-headless or point JAVA_HOME at a newer Java"
        )
    return java


def _similarity_jar() -> str:
    jar: str = similarity_jar_location()
    if not Path(jar).is_file():
        raise EngineUnavailable(f"Splink's Spark similarity jar is missing ({jar})")
    return jar


def _alive(session: SparkSession) -> bool:
    return session.sparkContext._jsc is not None


def shared_spark_session() -> SparkSession:
    """This process's Spark session, started on first use (a few seconds: it starts a JVM)."""
    global _session, _workdir
    with _lock:
        if _session is not None and _alive(_session):
            return _session
        _stop_locked()
        find_java()
        jar = _similarity_jar()
        workdir = tempfile.TemporaryDirectory(prefix="corridor-spark-", dir=scratch_dir())
        root = Path(workdir.name)
        (root / "log4j2.properties").write_text(_LOG4J2_PROPERTIES, encoding="utf-8")
        (root / "tmp").mkdir()
        cores = os.cpu_count() or 2
        builder: SparkSession.Builder = SparkSession.builder
        try:
            session = (
                builder.master(MASTER)
                .appName("corridor")
                # Loopback only: the driver's RPC and block manager bind to 127.0.0.1, no UI.
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.memory", DRIVER_MEMORY)
                # Few shuffle partitions: the default 200 is for clusters, not one machine.
                .config("spark.sql.shuffle.partitions", str(max(4, 2 * cores)))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.jars", jar)
                .config("spark.sql.warehouse.dir", (root / "warehouse").as_uri())
                .config("spark.local.dir", str(root / "local"))
                .config("spark.ui.showConsoleProgress", "false")
                .config(
                    "spark.driver.extraJavaOptions",
                    f"-Dlog4j2.configurationFile={(root / 'log4j2.properties').as_uri()} "
                    f"-Djava.io.tmpdir={root / 'tmp'}",
                )
                .getOrCreate()
            )
        except PySparkException as exc:
            workdir.cleanup()
            raise EngineUnavailable(f"Spark could not start: {exc}") from exc
        session.sparkContext.setLogLevel("ERROR")
        if jar not in (session.conf.get("spark.jars", "") or ""):
            workdir.cleanup()
            raise EngineUnavailable(
                "a Spark session already running in this process lacks Splink's similarity jar; "
                "stop it, or let Corridor start the session"
            )
        session.sparkContext.setCheckpointDir(str(root / "checkpoints"))
        _session, _workdir = session, workdir
        return session


def stop_spark_session() -> None:
    """Stop this process's Spark session and remove its temporary folder (idempotent)."""
    with _lock:
        _stop_locked()


def _stop_locked() -> None:
    global _session, _workdir, _idle_timer
    if _idle_timer is not None:
        _idle_timer.cancel()
        _idle_timer = None
    if _session is not None:
        # At interpreter exit the JVM may already be gone.
        with contextlib.suppress(Exception):
            _session.stop()
        _stop_jvm()
    if _workdir is not None:
        _workdir.cleanup()
    _session, _workdir = None, None


def _stop_jvm() -> None:
    """End the JVM PySpark launched (stopping a session leaves its gateway JVM running); the
    next session launches a new one."""
    gateway = SparkContext._gateway
    if gateway is None:
        return
    with contextlib.suppress(Exception):
        gateway.shutdown()
    proc = getattr(gateway, "proc", None)
    if proc is not None:
        with contextlib.suppress(Exception):
            proc.stdin.close()  # the gateway server exits when its stdin closes
            proc.wait(timeout=JVM_STOP_SECONDS)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    SparkContext._gateway = None
    SparkContext._jvm = None


def _engine_opened() -> SparkSession:
    global _open_engines, _idle_timer
    with _lock:
        _open_engines += 1
        if _idle_timer is not None:
            _idle_timer.cancel()
            _idle_timer = None
    try:
        return shared_spark_session()
    except BaseException:
        _engine_closed()
        raise


def _engine_closed() -> None:
    """One engine fewer; the last to close starts the idle clock."""
    global _open_engines, _idle_timer
    with _lock:
        _open_engines -= 1
        if _open_engines > 0 or _session is None:
            return
        if _idle_timer is not None:
            _idle_timer.cancel()
        _idle_timer = threading.Timer(Settings().spark_idle_seconds, _stop_if_idle)
        _idle_timer.daemon = True
        _idle_timer.start()


def _stop_if_idle() -> None:
    with _lock:
        if _open_engines == 0:
            _stop_locked()


atexit.register(stop_spark_session)


def checkpoint_path(session: SparkSession) -> Path | None:
    """The local folder Splink writes its intermediate Parquet to, if the context has one."""
    directory = session.sparkContext._jsc.sc().getCheckpointDir()  # type: ignore[union-attr]
    if directory.isEmpty():
        return None
    url = urlparse(str(directory.get()))
    return Path(url.path) if url.scheme in ("", "file") else None


class SparkEngine(Engine):
    """Splink on Spark (local mode), in a child session of the process's shared session."""

    name = "spark"

    def __init__(self) -> None:
        self.spark = _engine_opened().newSession()
        self._db_api = SparkAPI(spark_session=self.spark)  # type: ignore[no-untyped-call]
        self._closed = False

    @property
    def db_api(self) -> Any:
        return self._db_api

    def to_arrow(self, frame: Any) -> pa.Table:
        table: pa.Table = self.spark.table(frame.physical_name).toArrow()
        return table

    def query(self, sql: str) -> pa.Table:
        table: pa.Table = self.spark.sql(sql).toArrow()
        return table

    def close(self) -> None:
        """Drop this engine's views and Splink's files for them; the shared session stays up."""
        if self._closed:
            return
        self._closed = True
        try:
            self._drop_views()
        finally:
            _engine_closed()

    def _drop_views(self) -> None:
        if not _alive(self.spark):
            return
        checkpoints = checkpoint_path(self.spark)
        for table in self.spark.catalog.listTables():
            if not table.isTemporary:
                continue
            self.spark.catalog.dropTempView(table.name)
            if checkpoints is not None and re.fullmatch(r"\w+", table.name):
                shutil.rmtree(checkpoints / table.name, ignore_errors=True)
