"""Extraction throughput on real comment text: `python -m trendcast.domains.throughput DIR...`
repeats the texts of the archives under DIR to N comments and times `extract_many` alone."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from trendcast.domains.extract import extract_many
from trendcast.domains.quality import _comments, _records, html_to_text


def texts_from(paths: list[Path]) -> list[str]:
    texts = [t for _, t in _comments(paths)]
    for rec in _records(paths):
        body = rec.get("response")
        if isinstance(body, list):
            texts += [html_to_text(s.get("content") or "") for s in body if isinstance(s, dict)]
    return texts


def measure(texts: list[str], n: int) -> dict[str, float]:
    """Mention-extraction throughput over `n` comments (the texts repeated to that size), in
    wall and CPU time: on a shared machine the wall clock also measures the neighbours."""
    corpus = (texts * (n // max(1, len(texts)) + 1))[:n]
    started, cpu = time.perf_counter(), time.process_time()
    found = sum(1 for _ in extract_many(corpus))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    # CPU time too: on a shared machine the wall clock measures the neighbours
    return {"comments": n, "mentions": found, "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu_seconds, 2), "comments_per_second": round(n / seconds),
            "comments_per_cpu_second": round(n / cpu_seconds)}  # fmt: skip


if __name__ == "__main__":
    n = int(sys.argv[1])
    print(measure(texts_from([Path(p) for p in sys.argv[2:]]), n))
