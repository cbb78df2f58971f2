"""The exception tree of ``lms_plugin``; each class carries the HTTP status it answers with."""

from __future__ import annotations


class LmsError(Exception):
    """Base of every error raised by ``lms_plugin``."""

    status = 400


class BadRequest(LmsError, ValueError):
    """Input that does not fit: malformed, unknown item ids, answers after submission,
    a replayed submission. The state is left unchanged."""

    status = 400


class Forbidden(LmsError):
    """A staff-only action asked for by someone who is not staff."""

    status = 403


class NotConfigured(LmsError):
    """The site lacks a setting the action needs (issuer key, hub URL)."""

    status = 503


class HubUnavailable(LmsError):
    """The hub could not be reached or answered with something unreadable."""

    status = 502
