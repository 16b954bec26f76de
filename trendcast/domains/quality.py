"""Measured extraction quality: precision and recall at registrable-domain level.

Two kinds of truth:
- the simulator's planted links (`_truth/comment_links.parquet`: form, domain, comment id), read
  against the comments in the simulated archives, per form;
- real Mastodon statuses, whose HTML marks every link with an `href`: the text is reduced to what a
  reader sees (tags removed, as the `comment` model does) and the hrefs' registrable domains
  (hashtag and mention anchors aside) are the recall truth. Finds with no href are listed for
  judging by hand (precision).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trendcast.archive import discover, open_binary
from trendcast.domains.extract import extract, registrable_domain

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.I)
_HREF = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>", re.I)
_CLASS = re.compile(r"class=\"([^\"]*)\"", re.I)


def html_to_text(content: str) -> str:
    """What a reader sees of Mastodon's HTML: breaks become newlines, tags vanish, entities are
    decoded (the `comment` model does the same in SQL)."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))


def href_domains(content: str) -> set[str]:
    """Registrable domains of the link anchors in a status (hashtags and mentions excluded)."""
    found = set()
    for anchor in re.finditer(r"<a\s[^>]*>", content, re.I):
        tag = anchor.group(0)
        cls = _CLASS.search(tag)
        if cls and ("mention" in cls.group(1) or "hashtag" in cls.group(1)):
            continue
        href = _HREF.match(tag)
        if href:
            domain = registrable_domain(html.unescape(href.group(1)))
            if domain:
                found.add(domain)
    return found


def _records(paths: list[Path]) -> Iterator[dict[str, Any]]:
    # the simulator plants unreadable lines on purpose: landing quarantines them, and so do we
    for path in discover(paths):
        with open_binary(path) as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict):
                    yield rec


def _comments(paths: list[Path]) -> Iterator[tuple[str, str]]:
    for rec in _records(paths):
        body = rec.get("response") or {}
        if isinstance(body, dict):
            if str(rec.get("endpoint", "")).startswith("v2/research/video/comment/list"):
                for c in (body.get("data") or {}).get("comments") or []:
                    yield str(c.get("id")), c.get("text") or ""
            elif rec.get("endpoint") == "youtube/v3/commentThreads":
                for item in body.get("items") or []:
                    top = item["snippet"]["topLevelComment"]
                    snip = top["snippet"]
                    yield top["id"], snip.get("textOriginal") or snip.get("textDisplay") or ""


def simulator_quality(archive_dir: Path, truth_path: Path) -> dict[str, Any]:
    """Recall and precision per planted form, and overall, on a simulated run."""
    import pyarrow.parquet as pq

    truth = pq.read_table(truth_path).to_pylist()
    expected: dict[str, tuple[str, str]] = {
        t["comment_id"]: (t["form"], registrable_domain(t["domain"]) or t["domain"]) for t in truth
    }
    per_form: dict[str, Counter] = defaultdict(Counter)
    false_pos: Counter = Counter()
    n_comments = 0
    for cid, text in _comments([archive_dir]):
        n_comments += 1
        found = {m.domain_name for m in extract(text)}
        if cid in expected:
            form, domain = expected[cid]
            per_form[form]["truth"] += 1
            per_form[form]["found"] += domain in found
            per_form[form]["extra"] += len(found - {domain})
        else:
            false_pos.update(found)
    forms = {
        form: {
            "links": c["truth"],
            "recall": c["found"] / c["truth"] if c["truth"] else None,
            "precision": c["found"] / (c["found"] + c["extra"])
            if c["found"] + c["extra"]
            else None,
        }
        for form, c in sorted(per_form.items())
    }
    tp = sum(c["found"] for c in per_form.values())
    fp = sum(c["extra"] for c in per_form.values()) + sum(false_pos.values())
    n = sum(c["truth"] for c in per_form.values())
    return {
        "comments": n_comments,
        "links": n,
        "recall": tp / n if n else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "forms": forms,
        "false_positives": dict(false_pos.most_common(20)),
    }


def mastodon_quality(archive_dir: Path) -> dict[str, Any]:
    """Recall against hrefs on real statuses; the finds without an href, for judging by hand."""
    seen: set[str] = set()
    n_status = n_truth = n_hit = 0
    extras: list[dict[str, str]] = []
    for rec in _records([archive_dir]):
        body = rec.get("response")
        statuses = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
        for status in statuses:
            content = (status or {}).get("content") or ""
            sid = str(status.get("id"))
            # statuses a collector reduced to plain text carry no href truth
            if sid in seen or "<p>" not in content:
                continue
            seen.add(sid)
            n_status += 1
            truth = href_domains(content)
            text = html_to_text(content)
            found = {m.domain_name: m for m in extract(text)}
            n_truth += len(truth)
            n_hit += len(truth & found.keys())
            for domain in found.keys() - truth:
                m = found[domain]
                extras.append({"status_id": sid, "domain": domain, "context": m.context})
    return {
        "statuses": n_status,
        "href_domains": n_truth,
        "recall": n_hit / n_truth if n_truth else None,
        "found_without_href": len(extras),
        "extras": extras,
    }


def real_comment_finds(archive_dir: Path) -> dict[str, Any]:
    """Every find in real TikTok/YouTube comments, for judging precision by hand."""
    finds = []
    n = 0
    for cid, text in _comments([archive_dir]):
        n += 1
        for m in extract(text):
            finds.append({"comment_id": cid, "domain": m.domain_name, "method": m.method,
                          "context": m.context})  # fmt: skip
    return {"comments": n, "finds": finds}


def main(argv: list[str] | None = None) -> None:
    """`python -m trendcast.domains.quality sim|mastodon|comments PATH [TRUTH]` prints JSON."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    kind, path = args[0], Path(args[1])
    if kind == "sim":
        out = simulator_quality(
            path, Path(args[2]) if len(args) > 2 else path / "_truth" / "comment_links.parquet"
        )
    elif kind == "mastodon":
        out = mastodon_quality(path)
    else:
        out = real_comment_finds(path)
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
