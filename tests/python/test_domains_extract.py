"""Domain extraction: every written form is found, every look-alike is not."""

from __future__ import annotations

import pytest

from trendcast.domains.extract import (
    METHOD_CONFIDENCE,
    MIN_CONFIDENCE,
    extract,
    extract_many,
    registrable_domain,
)


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.domain_name, m.method) for m in extract(text)]


@pytest.mark.parametrize(
    ("text", "domain", "method"),
    [
        ("full video https://www.etsy.com/item/123?utm_source=tiktok", "etsy.com", "url"),
        ("http://shop.example.co.uk", "example.co.uk", "url"),
        ("go to shop.example.co.uk/x now", "example.co.uk", "bare_path"),
        ("www.Amazon.com!", "amazon.com", "www"),
        ("get it at amazon.com", "amazon.com", "bare"),
        ("shop dot temu dot com", "temu.com", "obfuscated_dot_word"),
        ("example[.]com/abc", "example.com", "obfuscated_bracket"),
        ("example (.) com", "example.com", "obfuscated_bracket"),
        ("example(dot)com", "example.com", "obfuscated_bracket"),
        ("linktr . ee/abc", "linktr.ee", "obfuscated_spaced_dot"),
        ("https://bücher.de/katalog", "xn--bcher-kva.de", "url"),
        ("bücher.de/katalog", "xn--bcher-kva.de", "bare_path"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de", "bare"),
        ("https://пример.рф", "xn--e1afmkfd.xn--p1ai", "url"),
        ("(see etsy.com)", "etsy.com", "bare"),
        ("link: depop.com/p/abc).", "depop.com", "bare_path"),
        ("example。com", "example.com", "bare"),
        ("Visit MY-SITE.COM", "my-site.com", "bare"),
        ("国境なき医師団https://chng.it/QWVTY685q4", "chng.it", "url"),
        ("along the way.https://brightdigit.com/episodes/164", "brightdigit.com", "url"),
        ("a.b.github.io", "github.io", "bare"),
    ],
)
def test_every_written_form_is_found(text: str, domain: str, method: str) -> None:
    assert _found(text) == [(domain, method)]


@pytest.mark.parametrize(
    "text",
    [
        "see report.pdf",  # a file name whose extension is no public suffix
        "notes.md and setup.py",  # extensions that are also ccTLDs
        "release v1.2.3 and 3.14",  # version numbers
        "e.g. this, i.e. that",  # abbreviations
        "mail me john.doe@gmail.com",  # e-mail address (not recorded)
        "#travel.com is a tag",  # hashtag
        "@user.name said so",  # mention
        "@znd@misskey.backspace.fm drew this",  # fediverse handle
        "great video.So good",  # glued sentences
        "free advertising . So check",  # a sentence break
        "French parts maker Forvia (FRVIA.PA) rose",  # ticker
        "lol.how",  # an English-word TLD on a bare name
        "the dot com era",  # prose
        "cu\u031b\u0309a.ca\u0323i",  # decomposed Vietnamese words
        "chưa coi trường.ca hành",  # non-Latin words glued by a dot
        "mệt mỏi . 我爱你",  # a spaced dot before an IDN TLD
        "www.youtube. com/watch",  # www is never a registrable label
        "http://127.0.0.1/x",  # an address, not a domain
        "",
    ],
)
def test_look_alikes_are_not_reported(text: str) -> None:
    assert _found(text) == []


def test_shorteners_are_their_own_domain_and_flagged() -> None:
    (m,) = extract("https://bit.ly/3xQ")
    assert (m.domain_name, m.is_shortener) == ("bit.ly", True)
    (m,) = extract("https://amazon.com/x")
    assert not m.is_shortener


def test_position_context_and_unicode_form() -> None:
    text = "I found it at www.bücher.de/x. lol"
    (m,) = extract(text)
    assert text[m.position : m.position + m.length] == "www.bücher.de/x"
    assert m.domain_unicode == "bücher.de" and m.subdomain == "www"
    assert "I found it at" in m.context and m.confidence == METHOD_CONFIDENCE["www"]


def test_every_method_has_a_confidence_and_only_confident_ones_are_reported() -> None:
    assert all(0 < c <= 1 for c in METHOD_CONFIDENCE.values())
    assert METHOD_CONFIDENCE["url"] > METHOD_CONFIDENCE["bare"] > MIN_CONFIDENCE
    assert METHOD_CONFIDENCE["bare_word_tld"] < MIN_CONFIDENCE


def test_several_mentions_keep_text_order() -> None:
    found = _found("a https://x.com/1 then etsy.com and bit.ly/z")
    assert [d for d, _ in found] == ["x.com", "etsy.com", "bit.ly"]


def test_extract_many_indexes_texts() -> None:
    got = [(i, m.domain_name) for i, m in extract_many(["nothing", None, "at etsy.com", "x.com/a"])]
    assert got == [(2, "etsy.com"), (3, "x.com")]


def test_registrable_domain_of_urls() -> None:
    assert registrable_domain("https://user@www.Example.co.uk:80/x") == "example.co.uk"
    assert registrable_domain("http://xn--bcher-kva.de") == "xn--bcher-kva.de"
    assert registrable_domain("https://localhost/") is None
