"""The exception tree of ``credentials``: one base, builtin mix-ins, HTTP status on the class."""

from __future__ import annotations


class CredentialError(Exception):
    """Base of every error raised by ``credentials``."""

    status = 400


class MalformedInput(CredentialError, ValueError):
    """Bytes or text that are not a well-formed object of the expected shape."""


class NotDeterministic(MalformedInput):
    """Well-formed CBOR, but not the one deterministic encoding (RFC 8949 §4.2.1) of what it
    holds: a longer head, map keys out of order, a wider float, or a claim written out with
    the value its absence means. One document has one byte form."""


class UnsupportedAlgorithm(CredentialError, ValueError):
    """A COSE algorithm other than Ed25519."""


class InvalidSignature(CredentialError, ValueError):
    """A signature that does not verify, or a signer that is not the expected one."""

    status = 422


class UntrustedSigner(CredentialError, ValueError):
    """A signed document whose signer is not among the trusted keys."""

    status = 403


class InsecureKeyFile(CredentialError, PermissionError):
    """A private key file that other users can read."""

    status = 500


class Unreachable(CredentialError, OSError):
    """A server that could not be reached, or that did not answer with what was asked."""

    status = 502
