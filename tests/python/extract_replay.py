"""A loopback replay server for the extractor tests: real recorded responses, injected faults.

Routes answer from the fixtures in tests/fixtures/extract (slices of real responses); `fail()`
queues a fault for the next request to a path. Every answer is logged in `served` with the exact
body bytes, so a test can compare the archive with what went over the wire.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extract"


def fixture(name: str) -> Any:
    with gzip.open(FIXTURES / f"{name}.json.gz", "rt", encoding="utf-8") as fh:
        return json.load(fh)


@dataclass
class Served:
    method: str
    path: str
    query: dict[str, str]
    json_body: Any
    status: int
    body: bytes
    complete: bool  # False when the fault cut the body short or the client gave up


@dataclass
class Fault:
    path: str  # a regex matched against the request path
    kind: str  # status | slow | reset | truncate | invalid_json | pause
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    after: int = 0  # let this many matching requests through first


Route = Callable[[Request], tuple[int, dict[str, str], Any]]  # body: bytes or a stream


def as_json(data: Any, pretty: bool = False) -> bytes:
    if pretty:  # Google's APIs pretty-print their bodies
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Replay:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.faults: list[Fault] = []
        self.served: list[Served] = []
        self.requests: list[Request] = []
        self.headers_seen: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.paused = threading.Event()  # set when a `pause` fault holds a request
        self.release = threading.Event()
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile("^/")).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def start(self) -> Replay:
        self.server.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    def fail(self, path: str, kind: str, **kw: Any) -> None:
        with self.lock:
            self.faults.append(Fault(path, kind, **kw))

    def _fault_for(self, path: str) -> Fault | None:
        with self.lock:
            for i, f in enumerate(self.faults):
                if re.search(f.path, path):
                    if f.after > 0:
                        f.after -= 1
                        return None
                    return self.faults.pop(i)
        return None

    def delivered(self) -> list[Served]:
        return [s for s in self.served if s.complete]

    def _log(self, req: Request, status: int, body: bytes, complete: bool) -> None:
        try:
            js = json.loads(req.get_data()) if req.get_data() and req.is_json else None
        except ValueError:
            js = None
        with self.lock:
            self.served.append(
                Served(req.method, req.path, dict(req.args), js, status, body, complete)
            )

    def _handle(self, req: Request) -> Response:
        with self.lock:
            self.requests.append(req)
            self.headers_seen.append(dict(req.headers))
        fault = self._fault_for(req.path)
        if fault is not None and fault.kind == "pause":
            # hold this request until the test has killed the client (or gives up)
            self.paused.set()
            self.release.wait(10)
            return Response(b"", status=503)
        if fault is not None and fault.kind == "status":
            body = as_json({"error": f"injected HTTP {fault.status}"})
            self._log(req, fault.status, body, False)
            return Response(body, status=fault.status, headers=fault.headers,
                            content_type="application/json")  # fmt: skip
        if fault is not None and fault.kind == "reset":
            self._drop(req)
            return Response(b"")
        status, headers, body = self.route(req)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
            self._log(req, status, body, False)  # the client has given up by now
            return Response(body, status=status, headers=headers)
        if fault is not None and fault.kind == "truncate":
            sock = req.environ["werkzeug.socket"]
            head = (
                f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            sock.sendall(head + body[: len(body) // 2])
            self._log(req, status, body[: len(body) // 2], False)
            self._drop(req)
            return Response(b"")
        if fault is not None and fault.kind == "invalid_json":
            body = body[: len(body) // 3]  # a well-delivered body that is not JSON
        self._log(req, status, body if isinstance(body, bytes) else b"<stream>", True)
        return Response(body, status=status, headers=headers)

    @staticmethod
    def _drop(req: Request) -> None:
        sock = req.environ["werkzeug.socket"]
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def archive_lines(out: Path, source: str) -> list[dict[str, Any]]:
    """Every line under out/<source>, files in name order (a run's files sort by start time)."""
    rows = []
    for path in sorted((out / source).rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh)
    return rows


def raw_lines(out: Path, source: str) -> list[str]:
    rows = []
    for path in sorted((out / source).rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows.extend(line.rstrip("\n") for line in fh)
    return rows


def content_set(rows: list[dict[str, Any]]) -> set[str]:
    """A call's content without its fetch time: what a repeated call has in common with the
    first (landing keeps both; every staging model dedupes the entities they carry)."""
    return {
        json.dumps(
            [r["source"], r["endpoint"], r["params"], r.get("response", r.get("response_text"))],
            sort_keys=True,
        )
        for r in rows
    }
