"""Optional enrichment of harvested domains: HTTP reachability, DNS records, WHOIS dates.

Off by default: nothing leaves the machine unless `trendcast domains enrich` (or the
`enrich_domains` flow) runs. A planted domain must not turn the pipeline into a request forger,
so every address is checked before a connection: loopback, private, link-local, multicast,
reserved and unspecified addresses are refused (loopback only passes when a test allows it), and
HTTP connects to the address that passed the check (no second DNS lookup that could answer
differently). Results are kept on failure, with the error, and a domain is not checked again
before its time-to-live runs out.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import pyarrow as pa

from trendcast.domains.store import SCHEMA
from trendcast.warehouse import Warehouse

MAX_REDIRECTS = 5
USER_AGENT = "trendcast-domain-check/1"


class RefusedAddress(RuntimeError):
    """An address the guard does not allow a connection to."""


@dataclass(frozen=True)
class EnrichConfig:
    """Network limits for enrichment (timeouts, concurrency, cache TTL) and the servers to ask;
    the servers are settable so tests point them at loopback stand-ins."""

    timeout_s: float = 3.0
    concurrency: int = 4
    ttl_hours: float = 24.0
    allow_loopback: bool = False
    nameserver: str | None = None  # None: the system resolver
    dns_port: int = 53
    http_scheme: str = "https"
    http_port: int | None = None  # None: the scheme's port
    whois_server: str | None = None  # None: whois.iana.org referral is not followed; skipped
    whois_port: int = 43

    @classmethod
    def from_env(cls, allow_loopback: bool = False) -> EnrichConfig:
        """Knobs from the environment, except loopback: only a test may allow it, so no deployment
        setting can let a planted domain reach services on this machine."""
        env = os.environ.get
        return cls(
            timeout_s=float(env("TRENDCAST_ENRICH_TIMEOUT_S", "3")),
            concurrency=int(env("TRENDCAST_ENRICH_CONCURRENCY", "4")),
            ttl_hours=float(env("TRENDCAST_ENRICH_TTL_HOURS", "24")),
            allow_loopback=allow_loopback,
            nameserver=env("TRENDCAST_ENRICH_NAMESERVER") or None,
            whois_server=env("TRENDCAST_ENRICH_WHOIS_SERVER") or None,
        )


def check_address(address: str, allow_loopback: bool = False) -> None:
    """Raise RefusedAddress unless `address` is a public unicast address."""
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        if allow_loopback:
            return
        raise RefusedAddress(f"{address} is a loopback address")
    for flag in ("is_private", "is_link_local", "is_multicast", "is_reserved", "is_unspecified"):
        if getattr(ip, flag):
            raise RefusedAddress(f"{address} is {flag[3:].replace('_', '-')}")


def _resolver(config: EnrichConfig) -> dns.resolver.Resolver:
    if config.nameserver:
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = [config.nameserver]
        res.port = config.dns_port
    else:
        res = dns.resolver.Resolver()
    res.lifetime = config.timeout_s
    res.timeout = config.timeout_s
    return res


def dns_check(domain: str, config: EnrichConfig) -> dict[str, Any]:
    """A, AAAA, CNAME records and whether MX exists."""
    res = _resolver(config)
    out: dict[str, Any] = {"checked_at": datetime.now(UTC).isoformat()}
    errors = []
    for rtype in ("A", "AAAA", "CNAME", "MX"):
        try:
            answer = res.resolve(domain, rtype, raise_on_no_answer=False)
            values = [r.to_text() for r in answer] if answer.rrset is not None else []
        except (dns.resolver.NXDOMAIN, dns.resolver.NoNameservers) as exc:
            values, _ = [], errors.append(f"{rtype}: {exc.__class__.__name__}")
        except dns.exception.Timeout:
            values, _ = [], errors.append(f"{rtype}: timeout")
        if rtype == "MX":
            out["mx_present"] = bool(values)
        else:
            out[rtype.lower()] = values
    if errors:
        out["error"] = "; ".join(errors)
    return out


def http_check(domain: str, addresses: list[str], config: EnrichConfig) -> dict[str, Any]:
    """HEAD, then GET when HEAD is refused; redirects on the same host followed and counted."""
    out: dict[str, Any] = {"checked_at": datetime.now(UTC).isoformat(), "reachable": False}
    try:
        if not addresses:
            raise RefusedAddress("no address to connect to")
        address = addresses[0]
        check_address(address, config.allow_loopback)
        path, redirects, method, status, server = "/", 0, "HEAD", None, None
        while True:
            status, server, location = _request(domain, address, path, method, config)
            if method == "HEAD" and status in (400, 403, 405, 501):
                method = "GET"
                continue
            if status in (301, 302, 303, 307, 308) and location and redirects < MAX_REDIRECTS:
                target = urlsplit(location)
                if target.hostname and target.hostname.lower() != domain:
                    out["redirect_to"] = location  # another host: not followed (guard first)
                    break
                redirects += 1
                path = (target.path or "/") + (f"?{target.query}" if target.query else "")
                continue
            break
        scheme = config.http_scheme
        out.update(
            reachable=status is not None and status < 500,
            status=status,
            server=server,
            method=method,
            redirects=redirects,
            url=f"{scheme}://{domain}{path}",
        )
    except (OSError, http.client.HTTPException, RefusedAddress, ValueError) as exc:
        out["error"] = f"{exc.__class__.__name__}: {exc}"
    return out


def _request(
    domain: str, address: str, path: str, method: str, config: EnrichConfig
) -> tuple[int, str | None, str | None]:
    port = config.http_port or (443 if config.http_scheme == "https" else 80)
    if config.http_scheme == "https":
        ctx = ssl.create_default_context()
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            address, port, timeout=config.timeout_s, context=ctx
        )
        # certificate and SNI for the name, connection to the checked address
        conn._tunnel_host = None  # type: ignore[attr-defined]
        sock = socket.create_connection((address, port), timeout=config.timeout_s)
        conn.sock = ctx.wrap_socket(sock, server_hostname=domain)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=config.timeout_s)
    try:
        conn.request(method, path, headers={"Host": domain, "User-Agent": USER_AGENT})
        resp = conn.getresponse()
        resp.read(0)
        return resp.status, resp.getheader("Server"), resp.getheader("Location")
    finally:
        conn.close()


def whois_check(domain: str, config: EnrichConfig) -> dict[str, Any]:
    """created_at, expires_at and registrar from the configured WHOIS server (port 43 protocol;
    the reply is parsed with python-whois)."""
    out: dict[str, Any] = {"checked_at": datetime.now(UTC).isoformat()}
    if not config.whois_server:
        out["error"] = "no WHOIS server configured"
        return out
    try:
        address = socket.getaddrinfo(config.whois_server, config.whois_port)[0][4][0]
        check_address(address, config.allow_loopback)
        with socket.create_connection((address, config.whois_port), config.timeout_s) as sock:
            sock.sendall(f"{domain}\r\n".encode())
            chunks, deadline = [], time.monotonic() + config.timeout_s
            while time.monotonic() < deadline:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
        text = b"".join(chunks).decode("utf-8", "replace")
        from whois.parser import WhoisEntry

        entry = WhoisEntry.load(domain, text)

        def first(value: Any) -> Any:
            return value[0] if isinstance(value, list) and value else value

        created, expires = first(entry.get("creation_date")), first(entry.get("expiration_date"))
        out.update(
            created_at=created.isoformat() if isinstance(created, datetime) else created,
            expires_at=expires.isoformat() if isinstance(expires, datetime) else expires,
            registrar=first(entry.get("registrar")),
        )
    except (OSError, RefusedAddress, ValueError) as exc:
        out["error"] = f"{exc.__class__.__name__}: {exc}"
    except Exception as exc:  # the parser raises its own errors on unknown formats
        out["error"] = f"{exc.__class__.__name__}: {exc}"
    return out


def enrich_domain(domain: str, config: EnrichConfig) -> dict[str, Any]:
    """All three checks for one domain; never raises."""
    dns_part = dns_check(domain, config)
    http_part = http_check(domain, dns_part.get("a", []) + dns_part.get("aaaa", []), config)
    whois_part = whois_check(domain, config)
    errors = [f"{k}: {p['error']}" for k, p in (("http", http_part), ("dns", dns_part),
              ("whois", whois_part)) if "error" in p]  # fmt: skip
    return {
        "domain_name": domain,
        "metadata": {"http": http_part, "dns": dns_part, "whois": whois_part},
        "is_reachable": bool(http_part.get("reachable")),
        "error": "; ".join(errors) or None,
    }


def enrich_pending(wh: Warehouse, config: EnrichConfig, limit: int = 100) -> dict[str, Any]:
    """Enrich the most mentioned domains whose last check is older than the TTL."""
    now = datetime.now(UTC)
    if not wh.table_exists("domains", "domain"):
        return {"checked": 0, "reason": "domains.domain is not built"}
    due_sql = "select domain_name from domains.domain as d"
    params: list[Any] = []
    if wh.table_exists(SCHEMA, "enrichment"):
        due_sql += (
            f" where not exists (select 1 from {SCHEMA}.enrichment as e where "
            "e.domain_name = d.domain_name and e.checked_at > ?)"
        )
        params.append(now - timedelta(hours=config.ttl_hours))
    due_sql += " order by d.mention_count desc, d.domain_name limit ?"
    domains = [r[0] for r in wh.query(due_sql, [*params, limit])]
    with ThreadPoolExecutor(max_workers=max(1, config.concurrency)) as pool:
        results = list(pool.map(lambda d: enrich_domain(d, config), domains))
    write_results(wh, results, now)
    return {
        "checked": len(results),
        "reachable": sum(r["is_reachable"] for r in results),
        "with_errors": sum(r["error"] is not None for r in results),
    }


def write_results(wh: Warehouse, results: list[dict[str, Any]], now: datetime) -> int:
    """Upsert one row per domain with its latest check; failed checks are stored with their
    error, so they wait out the TTL like successes instead of being retried every run."""
    table = pa.table(
        {
            "domain_name": pa.array([r["domain_name"] for r in results], pa.string()),
            "metadata_json": pa.array([json.dumps(r["metadata"]) for r in results], pa.string()),
            "is_reachable": pa.array([r["is_reachable"] for r in results], pa.bool_()),
            "checked_at": pa.array([now] * len(results), pa.timestamp("us", tz="UTC")),
            "error": pa.array([r["error"] for r in results], pa.string()),
        }
    )
    return wh.write_df(table, SCHEMA, "enrichment", key_columns=["domain_name"])
