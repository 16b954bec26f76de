"""The live benchmark cuts simulated hour files into 15-minute fetch windows: every line kept,
byte for byte and in order, each in the window of its fetched_at (a line without one stays
with the line before it)."""

from __future__ import annotations

import gzip
from pathlib import Path

from flows.bench_live import split_by_fetch_window


def _line(fetched_at: str, n: int) -> bytes:
    return f'{{"source":"platform","fetched_at":"{fetched_at}","response":{{"n":{n}}}}}\n'.encode()


def test_hour_file_is_cut_into_fetch_windows_without_losing_a_line(tmp_path: Path) -> None:
    lines = [
        _line("2025-06-01T00:58:12.144Z", 0),  # the previous hour's last window
        _line("2025-06-01T01:03:00.000Z", 1),
        b'{"source":"platform","fetched_at":1748739929,"response":{}}\n',  # epoch: unreadable
        _line("2025-06-01T01:14:59.999Z", 2),
        _line("2025-06-01T01:15:00.000Z", 3),
        _line("2025-06-01T01:59:59.000Z", 4),
        b"not json at all\n",
    ]
    src = tmp_path / "platform_20250601T01.jsonl.gz"
    with gzip.open(src, "wb") as fh:
        fh.writelines(lines)
    out = tmp_path / "out"
    out.mkdir()

    pieces = split_by_fetch_window(src, out, 15)

    got = {p.name: gzip.decompress(p.read_bytes()).splitlines(keepends=True) for p in pieces}
    assert got == {
        "platform_20250601T01_0045.jsonl.gz": [lines[0]],
        "platform_20250601T01_0100.jsonl.gz": [lines[1], lines[2], lines[3]],
        "platform_20250601T01_0115.jsonl.gz": [lines[4]],
        "platform_20250601T01_0145.jsonl.gz": [lines[5], lines[6]],
    }
    assert sum(len(v) for v in got.values()) == len(lines)
