"""Settings, read from environment variables prefixed ``STAKEHOLDER_GRAPH_``."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def machine_cores() -> int:
    """The cores this process may run on: the default number of worker processes.

    >>> machine_cores() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class StoreKind(StrEnum):
    """Which store holds the graph."""

    EMBEDDED = "embedded"
    NEO4J = "neo4j"


class Settings(BaseSettings):
    """Everything the service needs to start.

    >>> Settings(data_dir=Path("/tmp/sg"), store="embedded").store
    <StoreKind.EMBEDDED: 'embedded'>
    """

    model_config = SettingsConfigDict(env_prefix="STAKEHOLDER_GRAPH_", extra="ignore")

    data_dir: Path = Path("data")
    store: StoreKind = StoreKind.EMBEDDED
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    neo4j_retry_seconds: float = Field(
        default=8.0,
        gt=0,
        description="How long Neo4j transactions are retried on transient failures (a dropped "
        "connection, a cluster electing a leader) before a request gets a 503.",
    )
    admin_token: SecretStr | None = None
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="The largest request body accepted; a larger one is refused with 413 "
        "before it is read.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="How long a browser's session lasts after signing in."
    )
    sign_in_code_minutes: float = Field(
        default=10.0, gt=0, description="How long a one-time sign-in code works."
    )
    wrong_token_limit: int = Field(
        default=10,
        ge=1,
        description="Wrong tokens or codes one client may send within wrong_token_seconds "
        "before it is refused.",
    )
    wrong_token_seconds: float = Field(
        default=300.0,
        gt=0,
        description="The window in which wrong tokens are counted, and how long a client that "
        "sent too many is refused.",
    )
    workers: int = Field(
        default_factory=machine_cores,
        ge=1,
        description="Worker processes `serve` starts, each serving requests in parallel; every "
        "one sees each acknowledged write before it answers a later request. The machine's "
        "cores by default.",
    )
    kept_answers_mb: int = Field(
        default=64,
        ge=0,
        description="How many MB of answers each worker keeps to give again while nothing "
        "on them has changed (today's eco-maps, a hub's is about 2 MB); 0 keeps none.",
    )
    shared_answers_dir: Path | None = Field(
        default=None,
        description="The folder through which the workers of one `serve` share the big "
        "answers they keep (a hub's eco-map), so that one of them computes each; `serve "
        "--workers N` makes a fresh one for its run and removes it when it stops. Set by "
        "hand, it must be empty and serve one data directory for one run: its answers are "
        "named by organization and the data file's own change counts.",
    )
    # -- surveys and mail ----
    survey_link_key: SecretStr | None = Field(
        default=None,
        description="The key that signs respondents' personal survey links; when unset, a "
        "random key is made once and kept in DATA_DIR/survey-link.key.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where people reach the service: the start of the links in mail.",
    )
    smtp_host: str | None = Field(
        default=None, description="The SMTP server mail goes through; none: links are copied."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = Field(
        default="stakeholder-graph@localhost", description="The sender of every message."
    )
    smtp_starttls: bool = Field(
        default=True, description="Whether to switch the SMTP connection to TLS before login."
    )
