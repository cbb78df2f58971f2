"""Kiswahili and French for every message of the interface, keyed by the English text."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
