"""API keys sent in a query string (Komet's GET calls) never reach the access log."""

from __future__ import annotations

import logging

from remit.api.logs import RedactSecrets, redact


def test_redact_keeps_the_path_and_other_parameters() -> None:
    path = "/komet/api/payment.list?authenticationToken=rk_secret&dateFrom=2026-11-01"
    assert redact(path) == "/komet/api/payment.list?authenticationToken=[redacted]&dateFrom=2026-11-01"
    assert redact("/v1/payments?limit=5") == "/v1/payments?limit=5"


def test_the_access_record_is_rewritten() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/komet/api/customer.list?authenticationToken=rk_x", "1.1",
                                200), None)
    assert RedactSecrets().filter(record)
    assert "rk_x" not in record.getMessage() and "[redacted]" in record.getMessage()
