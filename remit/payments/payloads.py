"""What an event says about a payment: the same fields whichever path wrote it."""

from __future__ import annotations

from typing import Any

from remit.money import format_minor


def payment_payload(payment: Any) -> dict[str, Any]:
    """``payment`` is a ``Payment`` or, as it is written in bulk, a ``NewPayment``."""
    money = {name: format_minor(getattr(payment, f"{name}_minor"), payment.currency)
             for name in ("amount", "bank_charges", "allocated", "credit_applied", "refunded", "unused", "change")}
    return {"id": payment.id, "number": payment.number, "status": payment.status, "customer_id": payment.customer_id,
            "currency": payment.currency, "version": payment.version, **money}
