"""Keep API keys out of the access log.

Komet clients send their key as a query parameter on GET (that is Komet's
wire format), other clients may put one in the URL by mistake, and uvicorn's
access log prints the whole path with its query.
"""

from __future__ import annotations

import logging
import re

# Any query parameter whose name says it carries a credential: Komet's authenticationToken, but also what a
# client may send where Remit takes no key (RFC 6750's access_token, Zoho's old authtoken, api_key...).
SECRET_PARAMS = re.compile(r"((?:^|[?&])[^=&?/\s]*(?:token|key|secret|password)[^=&?/\s]*=)[^&\s]*",
                           re.IGNORECASE)
# And a Remit key wherever else it turns up in the request line (pasted into a path, an oddly named parameter).
REMIT_KEY = re.compile(r"rk_[A-Za-z0-9_-]{8,}")


def redact(path: str) -> str:
    return REMIT_KEY.sub("rk_[redacted]", SECRET_PARAMS.sub(r"\1[redacted]", path))


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
