"""The offline web verifier: the browser implementation of :mod:`credentials.verification`
(``verify.js``), its page, service worker and vendored libraries, and
:class:`~credentials.verifier.serve.VerifierApp`, the plain ASGI app a hub or a centre
mounts at ``/verifier``, and :class:`~credentials.verifier.serve.LinkApp`, the page a
credential's link (``/V/<digits>``) opens. See README.md in this folder."""

from credentials.verifier.serve import LinkApp, VerifierApp

__all__ = ["LinkApp", "VerifierApp"]
