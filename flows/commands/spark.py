"""`trendcast spark-cluster start|stop|status`: a Spark standalone cluster on this machine.

A master and N workers on 127.0.0.1 (trendcast/spark.py, LocalCluster); point the spark target
at it with the printed `TRENDCAST_SPARK_MASTER=spark://127.0.0.1:PORT`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="A local Spark standalone cluster for the spark target.")
    group.command("start")(start)
    group.command("stop")(stop)
    group.command("status")(status)
    app.add_typer(group, name="spark-cluster")


def start(
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (one executor each).")] = 2,
    cores: Annotated[int, typer.Option(min=1, help="Cores per worker.")] = 1,
    memory: Annotated[str, typer.Option(help="Memory per worker, e.g. 1g.")] = "1g",
) -> None:
    """Start a master and WORKERS workers on 127.0.0.1 (state in TRENDCAST_SPARK_CLUSTER_DIR)."""
    from trendcast.spark import LocalCluster, default_cluster_dir

    cluster = LocalCluster(
        default_cluster_dir(), workers=workers, worker_cores=cores, worker_memory=memory
    )
    cluster.start()
    console.print(
        f"Spark master {cluster.url} with {workers} workers ({cores} core, {memory} each)"
    )
    console.print(f"use it: export TRENDCAST_SPARK_MASTER={cluster.url} TRENDCAST_TARGET=spark")


def stop() -> None:
    """Stop the cluster `start` recorded (its own processes only)."""
    from trendcast.spark import LocalCluster, default_cluster_dir

    cluster = LocalCluster.load(default_cluster_dir())
    if cluster is None:
        console.print("no cluster recorded: nothing to stop")
        return
    cluster.stop()
    console.print(f"stopped {cluster.url}")


def status() -> None:
    """The recorded cluster's master and how many workers are alive."""
    from trendcast.spark import LocalCluster, default_cluster_dir

    cluster = LocalCluster.load(default_cluster_dir())
    if cluster is None:
        console.print("no cluster recorded (`trendcast spark-cluster start`)")
        return
    console.print(f"{cluster.url}: {cluster.alive_workers()} of {cluster.workers} workers alive")
