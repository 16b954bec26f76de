"""Per-model peak memory of the benchmarks: dbt's node start/finish events reach the sampler, and
a node that allocates shows a higher peak than one that does not."""

from __future__ import annotations

import time
from types import SimpleNamespace

from flows.bench import NodeMemory
from flows.dbt import _on_event, node_progress


def _event(name: str, node: str, **data: object) -> SimpleNamespace:
    return SimpleNamespace(
        info=SimpleNamespace(name=name),
        data=SimpleNamespace(
            node_info=SimpleNamespace(node_name=node, node_status="success"), **data
        ),
    )


def test_node_events_reach_start_and_finish_listeners() -> None:
    started: list[str] = []
    finished: list[tuple[str, int, int]] = []
    with node_progress(lambda n, _s, i, t: finished.append((n, i, t)), on_start=started.append):
        _on_event(_event("NodeStart", "hashtag_features"))
        _on_event(_event("LogModelResult", "hashtag_features", index=3, total=9, status="success"))
    _on_event(_event("NodeStart", "after_the_block"))
    assert started == ["hashtag_features"]
    assert finished == [("hashtag_features", 3, 9)]


def test_node_memory_attributes_the_peak_to_the_node_that_allocated() -> None:
    with NodeMemory() as memory:
        memory.started("small")
        time.sleep(0.2)
        memory.finished("small", "success", 1, 2)
        memory.started("big")
        block = bytearray(300 * 1024 * 1024)  # 300 MB, touched so it is resident
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(0.3)
        memory.finished("big", "success", 2, 2)
        del block
    peaks = dict(memory.top())
    assert set(peaks) == {"small", "big"}
    assert peaks["big"] - peaks["small"] > 250
    assert memory.top(1)[0][0] == "big"
