"""Settings, read once from the environment (prefix ``REMIT_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", extra="ignore")

    database_url: str = "sqlite:///./remit.db"
    # How long one SQLite writer waits for another before the retry loop takes over.
    sqlite_busy_timeout_ms: int = 5000
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
    db_pool_timeout_s: float = 10.0
    # Files Remit keeps itself (payment attachments) live under here, not in the database.
    data_dir: Path = Path("./data")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
