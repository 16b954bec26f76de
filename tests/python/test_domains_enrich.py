"""Enrichment against loopback servers only: HTTP, a tiny DNS responder, a WHOIS responder."""

from __future__ import annotations

import http.server
import socket
import socketserver
import threading
from collections.abc import Iterator

import dns.message
import dns.rrset
import pytest

from trendcast.domains.enrich import (
    EnrichConfig,
    RefusedAddress,
    check_address,
    dns_check,
    enrich_domain,
    http_check,
)

ZONE = {"shop.test.": "127.0.0.1", "private.test.": "10.1.2.3"}


@pytest.fixture(scope="module")
def dns_port() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            reply = dns.message.make_response(query)
            q = query.question[0]
            name = q.name.to_text()
            if name == "slow.test.":
                continue  # never answers: the client must time out
            if q.rdtype == 1 and name in ZONE:
                reply.answer.append(dns.rrset.from_text(name, 60, "IN", "A", ZONE[name]))
            if q.rdtype == 15 and name == "shop.test.":
                reply.answer.append(dns.rrset.from_text(name, 60, "IN", "MX", "10 mail.shop.test."))
            if name not in ZONE:
                reply.set_rcode(3)  # NXDOMAIN
            sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    sock.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        if self.path == "/":
            self.send_response(301)
            self.send_header("Location", "/home")
        elif self.path == "/home":
            self.send_response(405)  # HEAD refused: the client falls back to GET
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Server", "loopback-test")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


class _Whois(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        domain = self.rfile.readline().decode().strip()
        self.wfile.write(
            f"Domain Name: {domain.upper()}\r\nRegistrar: Loopback Registrar Inc.\r\n"
            "Creation Date: 2019-05-01T00:00:00Z\r\n"
            "Registry Expiry Date: 2030-05-01T00:00:00Z\r\n".encode()
        )


@pytest.fixture(scope="module")
def whois_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Whois)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _config(dns_port: int, http_port: int = 9, whois_port: int = 43, **kw) -> EnrichConfig:
    return EnrichConfig(
        timeout_s=kw.pop("timeout_s", 1.0), allow_loopback=kw.pop("allow_loopback", True),
        nameserver="127.0.0.1", dns_port=dns_port, http_scheme="http", http_port=http_port,
        whois_server="127.0.0.1", whois_port=whois_port, **kw,
    )  # fmt: skip


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "224.0.0.1", "::1"]
)
def test_guard_refuses_internal_addresses(address: str) -> None:
    with pytest.raises(RefusedAddress):
        check_address(address)


def test_guard_allows_public_and_test_loopback() -> None:
    check_address("93.184.216.34")
    check_address("127.0.0.1", allow_loopback=True)
    with pytest.raises(RefusedAddress):
        check_address("10.0.0.1", allow_loopback=True)


def test_full_enrichment_against_loopback(dns_port: int, http_port: int, whois_port: int) -> None:
    result = enrich_domain("shop.test", _config(dns_port, http_port, whois_port))
    meta = result["metadata"]
    assert meta["dns"]["a"] == ["127.0.0.1"] and meta["dns"]["mx_present"] is True
    assert meta["http"]["reachable"] is True and meta["http"]["status"] == 200
    assert meta["http"]["method"] == "GET" and meta["http"]["redirects"] == 1
    assert "loopback-test" in meta["http"]["server"]
    assert meta["whois"]["registrar"] == "Loopback Registrar Inc."
    assert meta["whois"]["created_at"].startswith("2019-05-01")
    assert meta["whois"]["expires_at"].startswith("2030-05-01")
    assert result["is_reachable"] and result["error"] is None


def test_loopback_refused_without_the_test_setting(dns_port: int, http_port: int) -> None:
    config = _config(dns_port, http_port, allow_loopback=False)
    out = http_check("shop.test", ["127.0.0.1"], config)
    assert out["reachable"] is False and "RefusedAddress" in out["error"]


def test_private_address_from_dns_is_never_contacted(dns_port: int, http_port: int) -> None:
    result = enrich_domain("private.test", _config(dns_port, http_port))
    assert result["metadata"]["dns"]["a"] == ["10.1.2.3"]
    assert not result["is_reachable"] and "RefusedAddress" in result["error"]


def test_refused_connection_is_kept_as_an_error(dns_port: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    out = http_check("shop.test", ["127.0.0.1"], _config(dns_port, closed_port))
    assert out["reachable"] is False and "ConnectionRefused" in out["error"]


def test_dns_timeout_and_nxdomain_are_errors_not_crashes(dns_port: int) -> None:
    slow = dns_check("slow.test", _config(dns_port, timeout_s=0.3))
    assert slow["a"] == [] and "timeout" in slow["error"]
    missing = dns_check("missing.test", _config(dns_port))
    assert missing["a"] == [] and "NXDOMAIN" in missing["error"]


def test_http_timeout_is_kept(dns_port: int) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    try:
        out = http_check(
            "shop.test", ["127.0.0.1"], _config(dns_port, listener.getsockname()[1], timeout_s=0.3)
        )
    finally:
        listener.close()
    assert out["reachable"] is False and "timed out" in out["error"].lower()


def test_enrich_pending_writes_results_and_respects_the_ttl(
    duckdb_warehouse, dns_port: int, http_port: int, whois_port: int
) -> None:
    import json

    from trendcast.domains.enrich import enrich_pending
    from trendcast.warehouse import connect

    config = _config(dns_port, http_port, whois_port, concurrency=2)
    with connect(duckdb_warehouse) as wh:
        wh.execute("create schema domains")
        wh.execute("create table domains.domain (domain_name varchar, mention_count bigint)")
        wh.execute("insert into domains.domain values ('shop.test', 5), ('private.test', 1)")
        assert enrich_pending(wh, config) == {"checked": 2, "reachable": 1, "with_errors": 1}
        rows = {
            name: (json.loads(meta), reachable, error)
            for name, meta, reachable, error in wh.query(
                "select domain_name, metadata_json, is_reachable, error "
                "from domains_extracted.enrichment"
            )
        }
        assert rows["shop.test"][1] and rows["shop.test"][0]["http"]["status"] == 200
        assert not rows["private.test"][1] and "RefusedAddress" in rows["private.test"][2]
        # checked within the TTL: nothing is due
        assert enrich_pending(wh, config)["checked"] == 0
