"""Who is asking: signed session cookies (or bearer tokens for the API) and CSRF tokens.

The session is a signed, timestamped value (itsdangerous) in an HttpOnly cookie;
the server keeps no session table. Each visitor's session carries a random nonce;
the CSRF token of their forms is an HMAC of it, so a page from another site
cannot post on their behalf.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from edge_node.accounts import Account

SESSION_COOKIE = "fc_session"
LANG_COOKIE = "fc_lang"


@dataclass(frozen=True)
class Principal:
    """The holder of a session: anonymous, a staff account, or a learner."""

    nonce: str
    account_id: str | None = None
    role: str | None = None
    epoch: int = 0
    """The account's session epoch when the session began (``accounts.session_role``)."""
    learner_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.account_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_learner(self) -> bool:
        return self.learner_id is not None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"n": self.nonce}
        if self.account_id:
            payload["a"] = self.account_id
            payload["r"] = self.role
            if self.epoch:
                payload["e"] = self.epoch
        if self.learner_id:
            payload["l"] = self.learner_id
        return payload


def anonymous() -> Principal:
    return Principal(nonce=secrets.token_urlsafe(12))


# Signing in starts a new nonce, so a CSRF token (or a session value) planted or seen
# before the log-in is worth nothing after it.


def staff_principal(account: Account) -> Principal:
    return Principal(
        nonce=anonymous().nonce,
        account_id=account.id,
        role=account.role,
        epoch=account.session_epoch,
    )


def learner_principal(learner_id: str) -> Principal:
    return Principal(nonce=anonymous().nonce, learner_id=learner_id)


class SessionCodec:
    def __init__(self, secret: bytes, *, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="fieldcred-edge-session")
        self._csrf_key = hashlib.sha256(b"fieldcred-edge-csrf" + secret).digest()
        self.max_age_s = max_age_s

    def dumps(self, principal: Principal) -> str:
        return str(self._serializer.dumps(principal.to_payload()))

    def loads(self, value: str | None) -> Principal | None:
        if not value or len(value) > 1024:
            return None
        try:
            payload = self._serializer.loads(value, max_age=self.max_age_s)
        except BadSignature:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
            return None
        epoch = payload.get("e", 0)
        return Principal(
            nonce=payload["n"],
            account_id=payload.get("a"),
            role=payload.get("r"),
            epoch=epoch if isinstance(epoch, int) else -1,
            learner_id=payload.get("l"),
        )

    def csrf_token(self, principal: Principal) -> str:
        return hmac.new(self._csrf_key, principal.nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def check_csrf(self, principal: Principal, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf_token(principal), token[:64])
