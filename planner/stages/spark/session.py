"""The SparkSession plan runs on: the master from --spark-master, else what spark-submit or the
SPARK_* environment set (a session already running is reused), else local mode on this machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

from planner.errors import InputError

# Small defaults for one machine; a cluster's spark-defaults.conf or --conf wins over them.
_DEFAULTS = {
    "spark.sql.session.timeZone": "UTC",  # every timestamp plan stores is UTC
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.showConsoleProgress": "false",  # stderr carries plan's progress, not Spark's
    "spark.log.structuredLogging.enabled": "false",
    "spark.sql.ansi.enabled": "false",  # DuckDB-like: a failed cast in a CASE branch is NULL
    "spark.sql.legacy.sizeOfNull": "false",  # size(NULL) is NULL, as DuckDB's len(NULL)
}
# The settings plan's results depend on, set on a session already running too.
_REQUIRED = ("spark.sql.session.timeZone", "spark.sql.ansi.enabled",
             "spark.sql.legacy.sizeOfNull")


def session(master: str | None = None) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise InputError("--engine spark needs PySpark",
                         hint="pip install 'plan[spark]' (and a Java 17+ runtime)") from exc
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        _require(active)
        return active
    # Local mode's Python workers run plan's token counter: this interpreter, which has plan.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("plan")
    # Under spark-submit (which starts the JVM and says so in PYSPARK_GATEWAY_PORT) the master
    # is spark-submit's; otherwise SPARK_MASTER or MASTER, else this machine's cores.
    if not master and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = os.environ.get("SPARK_MASTER") or os.environ.get("MASTER") or "local[*]"
    if master:
        builder = builder.master(master)
    if master and master.startswith("local"):
        # Local mode's catalog folder goes to the temporary folder, not a `spark-warehouse`
        # left in the user's working directory (a cluster keeps its own).
        builder = builder.config("spark.sql.warehouse.dir",
                                 os.path.join(tempfile.gettempdir(),
                                              f"plan-spark-warehouse-{os.getuid()}"))
    for key, value in _DEFAULTS.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("PLAN_SPARK_LOG_LEVEL", "FATAL"))
    _require(spark)
    return spark


def _require(spark: Any) -> None:
    for key in _REQUIRED:
        spark.conf.set(key, _DEFAULTS[key])
