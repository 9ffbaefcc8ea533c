"""Settings, read once from the environment (prefix ``REMIT_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", extra="ignore")

    database_url: str = "sqlite:///./remit.db"
    # How long one writer waits for another's lock (SQLite busy_timeout, PostgreSQL lock_timeout)
    # before the retry loop takes over. The old name still works.
    lock_timeout_ms: int = Field(5000, validation_alias=AliasChoices("REMIT_LOCK_TIMEOUT_MS",
                                                                      "REMIT_SQLITE_BUSY_TIMEOUT_MS"))
    # Whole-transaction retries on lock contention before answering 503.
    write_attempts: int = 8
    host: str = "127.0.0.1"
    port: int = 8000
    # Set by `remit serve --workers`, so each worker process knows its share of the connections.
    workers: int = 1
    # Connections one `remit serve` may hold in all, split evenly between its workers. Keep the sum
    # over every server process below PostgreSQL's max_connections (100 by default).
    db_connections: int = 40
    # How long a request waits for a free pooled connection before answering 503 with Retry-After.
    db_pool_timeout_s: int = 10
    # An Idempotency-Key claimed by a request that never finished (its process was killed) is taken
    # over by a retry after this long. Safe at any value: a slow original that loses its claim rolls back.
    idempotency_stale_after_s: int = 60
    # Requests one API key may make, on every surface: a `limits` string such as "100/second" or
    # "100/second;5000/minute", or "off". A key over its limit gets 429 with Retry-After.
    rate_limit: str = "100/second"
    # Where the counts live: memory (each process counts alone) or redis://host:6379 (shared).
    rate_limit_storage: str = "memory://"
    # The web UI (/app): how long a sign-in lasts, and how many sign-in attempts one email and one client
    # address may make (`limits` strings, counted where REMIT_RATE_LIMIT_STORAGE says). The address limit is
    # the looser one: an office shares one address.
    web_session_hours: int = Field(12, ge=1)
    login_rate_limit_email: str = "5/minute;30/hour"
    login_rate_limit_address: str = "30/minute;300/hour"
    # Files Remit keeps itself (payment attachments) live under here, not in the database.
    data_dir: Path = Path("./data")

    # The outbox worker: `remit serve` runs one in each server process unless --no-worker; `remit worker`
    # runs one alone. Many may run on one database: each delivery is claimed by one at a time.
    outbox_worker: bool = False
    outbox_poll_ms: int = Field(1000, ge=1)
    # A delivery is tried this many times, waiting backoff, 2x backoff, 4x... (at most 6 hours) between
    # tries; then it is failed, a dead letter a person can retry.
    delivery_max_attempts: int = Field(8, ge=1)
    delivery_backoff_s: int = Field(10, ge=0)
    # How long one try may take. A worker's claim on a delivery lasts longer, so no other takes it meanwhile.
    delivery_timeout_s: int = Field(10, ge=1)

    # Email over SMTP. security: starttls (port 587), tls (port 465) or none (a local relay).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Remit <remit@localhost>"

    # SMS through a generic HTTP provider: a JSON POST {"to", "text", "id"} to this URL, with this header
    # ("Authorization: Bearer abc") when set.
    sms_url: str | None = None
    sms_auth_header: SecretStr | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
