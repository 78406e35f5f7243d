"""Who holds a token, a session or a sign-in code: the checks every request goes through.

A token works until it is revoked or expires. A browser signs in once, with a token or a
one-time code, and then holds a session: a random id in a cookie, kept (by its hash) in the
store, which ends when it expires, when the browser signs out, or when its token stops working.
A sign-in code works once, for a few minutes. Everything lives in the store, so every worker
sees a revocation or a sign-out at once.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from graph_models import Principal, Role, SessionRecord, SignInCode
from graph_models.common import utc_now
from service.access.permissions import hash_token
from service.errors import Unauthenticated
from service.settings import Settings
from service.store.protocol import Store

SESSION_COOKIE = "stakeholder_graph_session"
BOOTSTRAP_ADMIN = Principal(token_id="admin-token", name="admin", role=Role.ADMIN)


def principal_for(token: str, store: Store, settings: Settings) -> Principal:
    """Who holds ``token``: the bootstrap admin, or a stored token that is neither revoked nor
    expired; raises :class:`Unauthenticated` otherwise."""
    return principal_for_hash(hash_token(token), store, settings)


def principal_for_hash(token_hash: str, store: Store, settings: Settings) -> Principal:
    """Who holds the token whose hash is ``token_hash`` (see :func:`principal_for`)."""
    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    if admin and hmac.compare_digest(token_hash, hash_token(admin)):
        return BOOTSTRAP_ADMIN
    token = store.principal_for_token(token_hash)
    if token is None:
        raise Unauthenticated("the token is not known; ask an admin for a new one")
    if token.revoked_at is not None:
        raise Unauthenticated("the token was revoked; ask an admin for a new one")
    if token.expires_at is not None and token.expires_at <= utc_now():
        raise Unauthenticated(
            f"the token expired at {token.expires_at.isoformat()}; ask an admin for a new one"
        )
    return Principal.model_validate(token, from_attributes=True)


def open_session(token_hash: str, store: Store, settings: Settings) -> str:
    """Start a session acting with the token of ``token_hash``; returns its id (the cookie)."""
    session_id = secrets.token_urlsafe(32)
    now = utc_now()
    store.create_session(
        SessionRecord(
            id_hash=hash_token(session_id),
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    return session_id


def session_principal(session_id: str, store: Store, settings: Settings) -> Principal:
    """Who the session ``session_id`` acts as; :class:`Unauthenticated` once it has ended."""
    session = store.get_session(hash_token(session_id))
    if session is None or session.expires_at <= utc_now():
        raise Unauthenticated("your session has ended; sign in again")
    return principal_for_hash(session.token_hash, store, settings)


def end_session(session_id: str, store: Store) -> None:
    """Sign a browser out: its session stops working at once."""
    store.end_session(hash_token(session_id))


def issue_sign_in_code(token: str, store: Store, settings: Settings) -> str:
    """A one-time code that signs a browser in with ``token`` for the next few minutes.

    The code is short enough to type, e.g. ``K7QF-M2XD-9TBW``, and random enough not to be
    guessed in the few tries a client is allowed (59 bits).
    """
    code = "-".join(_code_group() for _ in range(3))
    store.create_sign_in_code(
        SignInCode(
            code_hash=hash_token(normal_code(code)),
            token_hash=hash_token(token),
            expires_at=utc_now() + timedelta(minutes=settings.sign_in_code_minutes),
        )
    )
    return code


def redeem_sign_in_code(code: str, store: Store) -> str:
    """The hash of the token a sign-in code signs in with; the code is used up."""
    found = store.take_sign_in_code(hash_token(normal_code(code)))
    if found is None or found.expires_at <= utc_now():
        raise Unauthenticated("the sign-in code is not known, was used, or has expired")
    return found.token_hash


CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
"""Letters and digits that are not easily mistaken for one another."""


def normal_code(code: str) -> str:
    """A code as typed, in the form it was issued: upper case, without spaces or dashes.

    >>> normal_code(" k7qf-m2xd 9tbw ")
    'K7QFM2XD9TBW'
    """
    return "".join(code.split()).replace("-", "").upper()


def _code_group() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
