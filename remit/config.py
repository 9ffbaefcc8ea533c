"""Settings, read once from the environment (prefix ``REMIT_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
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
    # Files Remit keeps itself (payment attachments) live under here, not in the database.
    data_dir: Path = Path("./data")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
