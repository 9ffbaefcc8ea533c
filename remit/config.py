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
    workers: int = 1
    # Files Remit keeps itself (payment attachments) live under here, not in the database.
    data_dir: Path = Path("./data")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
