"""Respondents' personal links: the round and the respondent, signed with HMAC-SHA256.

A link names one respondent of one round and carries a signature over both made with the
service's key, so it cannot be changed to name someone else, nor made up; it needs no account.
It works until the round closes, which is read from the store when it is used, not from the
link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from service.errors import NotFound
from service.settings import Settings

KEY_FILE = "survey-link.key"
INVALID = (
    "this survey link is not valid: it may have been cut short or changed; use the link as it came"
)


def link_key(settings: Settings) -> bytes:
    """The signing key: ``SURVEY_LINK_KEY``, else the one kept in the data directory (made on
    first use, readable by its owner only), so every worker and restart signs alike."""
    if settings.survey_link_key is not None:
        return settings.survey_link_key.get_secret_value().encode()
    return _kept_key(settings.data_dir.resolve() / KEY_FILE)


@lru_cache(maxsize=8)
def _kept_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_hex(32).encode())
    return path.read_bytes().strip()


def _signature(key: bytes, round_id: str, respondent_id: str) -> str:
    digest = hmac.new(key, f"{round_id}\n{respondent_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, round_id: str, respondent_id: str) -> str:
    """The token of a respondent's link.

    >>> sign(b"k", "spring-1a2b3c", "ana-lee")
    'spring-1a2b3c.ana-lee.k90ovqcpwAIqi_Z-NHAnLGiKq3Wmar5BCF72uWiEfBo'
    """
    return f"{round_id}.{respondent_id}.{_signature(key, round_id, respondent_id)}"


def read(key: bytes, token: str) -> tuple[str, str]:
    """The round and respondent a token names; :class:`NotFound` when it was changed.

    >>> key = b"k"
    >>> read(key, sign(key, "spring", "ana"))
    ('spring', 'ana')
    >>> read(key, sign(key, "spring", "ana").replace("ana", "ben"))
    Traceback (most recent call last):
    service.errors.NotFound: this survey link is not valid: it may have been cut short or \
changed; use the link as it came
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise NotFound(INVALID)
    round_id, respondent_id, signature = parts
    if not hmac.compare_digest(signature, _signature(key, round_id, respondent_id)):
        raise NotFound(INVALID)
    return round_id, respondent_id
