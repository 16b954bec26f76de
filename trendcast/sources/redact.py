"""Keep credentials out of everything an extractor prints, logs, raises or writes.

Credentials travel only in request headers (never in URLs or archived params); this is the second
line of defence for messages built from responses or library errors that might echo them.
"""

from __future__ import annotations

MASK = "***"


class Redactor:
    """Replaces every registered secret value in a text with `***`."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: list[str] = []
        for value in secrets or []:
            self.add(value)

    def add(self, value: str | None) -> None:
        # very short values would mask ordinary words; real keys and tokens are long
        if value and len(value) >= 6 and value not in self._secrets:
            self._secrets.append(value)
            self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, MASK)
        return text
