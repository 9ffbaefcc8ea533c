"""Keep API keys out of the access log.

Komet clients send their key as a query parameter on GET (that is Komet's
wire format), and uvicorn's access log prints the whole path with its query.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = re.compile(r"((?:^|[?&])(?:authenticationToken|api_key|apikey|token)=)[^&\s]*", re.IGNORECASE)


def redact(path: str) -> str:
    return SECRET_PARAMS.sub(r"\1[redacted]", path)


class RedactSecrets(logging.Filter):
    """Rewrites the request path argument of uvicorn access records: (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], redact(record.args[2]), *record.args[3:])
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
