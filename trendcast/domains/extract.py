"""Find the registrable domains people write in comments, every way they write them.

The Public Suffix List decides what a registrable domain is (tldextract, using the snapshot that
ships inside the package: `suffix_list_urls=()` and no cache directory, so nothing is ever
downloaded). ICANN suffixes only: `foo.blogspot.com` counts as `blogspot.com`, the platform the
link points to, which is what a dashboard of "who gets linked" wants.

One compiled regular expression finds candidates in a single left-to-right pass (a URL's path is
consumed with it, so a domain-looking word inside a path is not reported twice); each candidate is
then judged by rules that hold for any text, never for particular rows:

- the suffix must be a public suffix (kills `report.pdf`, `e.g.`, `i.e.`, `v1.2.3`, `3.14`);
- a candidate directly after `@` or `#` is an e-mail address, a mention or a hashtag and is skipped
  (e-mail addresses are not recorded at all: they name a mailbox, not a site that is linked);
- a bare name (no scheme, no `www.`, no path) whose suffix collides with a common file extension
  (`notes.md`, `setup.py`, `clip.mov`, `files.zip`) is a file name;
- a bare name whose suffix is written with capitals while the rest is not (`great video.So`)
  is two sentences glued together;
- a bare name whose suffix is an English-word generic TLD (`lol.how`, `ok.you`) is kept only with
  a confidence below the reporting threshold, as such words glue sentences far more often than
  they end real links.

Each method has a confidence (METHOD_CONFIDENCE); only mentions at or above MIN_CONFIDENCE are
reported. Shorteners are kept as their own domain and flagged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import tldextract

EXTRACTOR_VERSION = "1"
MIN_CONFIDENCE = 0.5
CONTEXT_CHARS = 40

# how a link was written -> how sure we are that it is one
METHOD_CONFIDENCE: dict[str, float] = {
    "url": 0.99,  # scheme://host
    "www": 0.95,  # www.host
    "bare_path": 0.9,  # host/path
    "obfuscated_bracket": 0.85,  # host[.]tld, host(.)tld, host(dot)tld
    "bare": 0.8,  # host.tld, nothing else
    "obfuscated_dot_word": 0.7,  # host dot tld
    "obfuscated_spaced_dot": 0.6,  # host . tld
    "bare_idn": 0.45,  # bücher.de, nothing else: below MIN_CONFIDENCE, not reported
    "bare_word_tld": 0.4,  # host.how: below MIN_CONFIDENCE, not reported
}

URL_SHORTENERS = frozenset(
    {
        "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly",
        "rb.gy", "shorturl.at", "cutt.ly", "tiny.cc", "rebrand.ly", "lnkd.in", "youtu.be",
        "amzn.to", "bit.do", "s.id", "t.ly", "v.gd", "shorte.st", "adf.ly", "tr.im", "soo.gd",
        "clck.ru", "qr.ae", "fb.me", "trib.al", "dlvr.it", "wp.me", "ift.tt", "db.tt", "x.co",
        "vm.tiktok.com", "redd.it", "spoti.fi", "apple.co", "shor.by",
    }
)  # fmt: skip

# suffixes that are also common file extensions: a bare `name.ext` is a file, not a link
FILE_LIKE_SUFFIXES = frozenset({"zip", "mov", "py", "md", "rs", "sh", "cs", "cc", "pl", "ps", "so"})

# generic TLDs that are ordinary in links; any other generic TLD (an English word such as
# .how, .you, .now) needs a scheme, www. or a path to be believed
COMMON_GENERIC_TLDS = frozenset(
    {
        "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "mobi", "pro",
        "app", "dev", "xyz", "online", "site", "shop", "store", "blog", "tech", "tv", "io", "me",
    }
)  # fmt: skip

# words that are almost never the name part of an obfuscated domain ("the dot com era")
_OBFUSCATION_STOPWORDS = frozenset(
    {"a", "an", "the", "and", "or", "to", "of", "in", "on", "at", "is", "it", "my", "your"}
    | {"this", "that", "dot", "com", "net", "org", "www"}
)

_DOT = r"[.\u3002\uff0e\uff61]"
# combining marks belong to the word they sit on (decomposed Vietnamese: "cu\u031b\u0309a")
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LABEL = rf"[^\W_](?:[\w{_MARKS}-]{{0,61}}[^\W_{_MARKS}]?[{_MARKS}]*)?"
_SEP = (
    rf"(?:{_DOT}"
    r"|[ \t]?[\[({<][ \t]?(?:\.|dot)[ \t]?[\])}>][ \t]?"
    r"|[ \t]+dot[ \t]+"
    r"|[ \t]+\.[ \t]+)"
)
_CANDIDATE = re.compile(
    # a scheme or www. may follow anything (scripts without spaces glue them to words); any
    # other candidate must start a word, not continue a host, a mention or a hashtag
    r"(?:(?P<scheme>(?:h(?:tt|xx)ps?|ftp)://)|(?=www\.)"
    rf"|(?<![\w{_MARKS}@#$%&/\\=+~'-])(?<![\w{_MARKS}]{_DOT}))"
    rf"(?P<host>{_LABEL}(?:{_SEP}{_LABEL})+)"
    r"(?P<port>:\d{1,5}(?![\d]))?"
    r"(?P<path>[/?#][^\s<>\"'`]*)?"
    r"(?![\w@])",
    re.IGNORECASE,
)
# a cheap test that a text could hold a candidate at all (most comments do not)
_MAYBE = re.compile(
    rf"[^\W_]{_DOT}[^\W_]|[\[({{<][ \t]?(?:\.|dot)|[ \t]dot[ \t]|[ \t]\.[ \t]\w", re.I
)
_BRACKET_SEP = re.compile(r"[\[({<][ \t]?(?:\.|dot)[ \t]?[\])}>]", re.I)
_WORD_SEP = re.compile(r"[ \t]+dot[ \t]+", re.I)
_SPACED_SEP = re.compile(r"[ \t]+\.[ \t]+")
_ANY_SEP = re.compile(_SEP, re.I)
_TRAILING = ".,;:!?)]}>'\"»”’…"


@dataclass(frozen=True, slots=True)
class Mention:
    """One domain found in a text."""

    domain_name: str  # registrable domain, lower-case, IDN as punycode
    domain_unicode: str  # the same in Unicode (equal to domain_name for ASCII names)
    suffix: str  # public suffix (punycode)
    subdomain: str  # labels left of the registrable domain ('' when none)
    host: str  # the whole host, normalised
    position: int  # character offset of the match in the text
    length: int  # characters the match covers
    method: str
    confidence: float
    is_shortener: bool
    context: str


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # the packaged PSL snapshot, never a download, never a cache file
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False
    )


def _to_ascii(host: str) -> str | None:
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            return None
    return ".".join(labels)


def _to_unicode(host: str) -> str:
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


@lru_cache(maxsize=200_000)
def split_host(host: str) -> tuple[str, str, str, str] | None:
    """(registrable domain, suffix, subdomain, unicode domain) of a normalised host, or None
    when the host has no registrable domain under the PSL."""
    ascii_host = _to_ascii(host)
    if not ascii_host or len(ascii_host) > 253:
        return None
    parts = _extractor()(ascii_host)
    if not parts.suffix or not parts.domain:
        return None
    if parts.domain.isdigit() and parts.suffix.isdigit():
        return None
    registrable = f"{parts.domain}.{parts.suffix}"
    return registrable, parts.suffix, parts.subdomain, _to_unicode(registrable)


def registrable_domain(url_or_host: str) -> str | None:
    """The registrable domain of a URL or host (for ground truth such as hrefs), or None."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url_or_host.strip(), flags=re.I)
    host = re.split(r"[/?#:@]", text, maxsplit=1)[0] if "@" not in text.split("/")[0] else ""
    if not host:
        host = text.split("/")[0].rsplit("@", 1)[-1].split(":")[0]
    found = split_host(unicodedata.normalize("NFKC", host).lower().strip("."))
    return found[0] if found else None


def _method(scheme: str | None, raw_host: str, path: str | None) -> str:
    if _BRACKET_SEP.search(raw_host):
        return "obfuscated_bracket"
    if _WORD_SEP.search(raw_host):
        return "obfuscated_dot_word"
    if _SPACED_SEP.search(raw_host):
        return "obfuscated_spaced_dot"
    if scheme:
        return "url"
    if raw_host[:4].lower() == "www.":
        return "www"
    return "bare_path" if path and len(path) > 1 else "bare"


def extract(text: str | None) -> list[Mention]:
    """Every domain mention in `text` with confidence >= MIN_CONFIDENCE, in text order."""
    if not text or not _MAYBE.search(text):
        return []
    return [m for m in _candidates(text) if m.confidence >= MIN_CONFIDENCE]


def _candidates(text: str) -> Iterator[Mention]:
    pos = 0
    while (match := _CANDIDATE.search(text, pos)) is not None:
        # a rejected candidate may hide a real one inside ("way.https://x.com"): look again one
        # character later; an accepted one is consumed whole, path included
        pos = match.start() + 1
        mention = _judge(text, match)
        if mention is not None:
            pos = match.end()
            yield mention


def _judge(text: str, match: re.Match[str]) -> Mention | None:
    scheme, raw_host, path = match.group("scheme"), match.group("host"), match.group("path")
    method = _method(scheme, raw_host, path)
    labels = _ANY_SEP.split(raw_host)
    if method.startswith("obfuscated") and labels[-2].lower() in _OBFUSCATION_STOPWORDS:
        return None
    host = unicodedata.normalize("NFKC", ".".join(labels)).lower()
    split = split_host(host)
    if split is None:
        return None
    registrable, suffix, subdomain, unicode_name = split
    if registrable.startswith("www."):
        return None  # "www.youtube. com": www is never the registrable label
    last = suffix.rsplit(".", 1)[-1]
    written_suffix = labels[-1]
    confidence = METHOD_CONFIDENCE[method]
    # capitals in the suffix: two glued sentences ("video.So", "free advertising . So"),
    # or a ticker ("FRVIA.PA"); a shouted name with a common TLD is fine ("MY-SITE.COM")
    shouted = raw_host == raw_host.upper() and last in COMMON_GENERIC_TLDS
    explicit = bool(scheme) or method == "www"
    if written_suffix != written_suffix.lower() and not shouted and not explicit:
        return None
    if method.startswith("obfuscated") and not written_suffix.isascii():
        return None  # people obfuscate to slip past filters, with Latin TLDs
    if method == "bare":
        if last in FILE_LIKE_SUFFIXES:
            return None
        if not host.isascii():
            # bare non-Latin words glued by dots ("trường.ca") far outnumber bare IDN links
            method = "bare_idn"
        elif len(last) > 2 and last not in COMMON_GENERIC_TLDS:
            method = "bare_word_tld"
        confidence = METHOD_CONFIDENCE[method]
    end = match.end()
    if path:
        stripped = path.rstrip(_TRAILING)
        end -= len(path) - len(stripped)
    start = match.start()
    return Mention(
        domain_name=registrable,
        domain_unicode=unicode_name,
        suffix=suffix,
        subdomain=subdomain,
        host=host,
        position=start,
        length=end - start,
        method=method,
        confidence=confidence,
        is_shortener=registrable in URL_SHORTENERS or host in URL_SHORTENERS,
        context=text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS],
    )


def extract_many(texts: Iterable[str | None]) -> Iterator[tuple[int, Mention]]:
    """(index of the text, mention) for every mention in a sequence of texts."""
    for i, text in enumerate(texts):
        if text and _MAYBE.search(text):
            for m in _candidates(text):
                if m.confidence >= MIN_CONFIDENCE:
                    yield i, m
