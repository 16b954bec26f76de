"""Errors an extractor raises: each message is one line, already free of secrets."""

from __future__ import annotations


class ExtractError(Exception):
    """The run cannot go on (what was extracted so far is committed before this propagates)."""


class CredentialError(ExtractError):
    """A credential is missing, invalid or lacks access (HTTP 401/403): retrying cannot help."""


class BudgetExhausted(ExtractError):
    """The request budget or API quota for the day is spent: a clean stop, not a failure."""
