"""One error tree. Each error is a fact with a stable ``code``.

Surfaces map these to their own shapes (problem+json, a vendor's envelope, a
CLI exit code) from ``code``, ``status``, ``detail``, ``field`` and ``facts``;
no surface should need to parse ``detail``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RemitError(Exception):
    code: ClassVar[str] = "remit_error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Request failed"
    # str.format template over ``facts``; a subclass states its fact in words.
    template: ClassVar[str] = "The request could not be completed."
    # Seconds a client should wait before trying again, for failures that pass on their own.
    retry_after: ClassVar[int | None] = None

    def __init__(self, detail: str | None = None, *, field: str | None = None, **facts: Any) -> None:
        self.field = field
        self.facts = facts
        self.detail = detail or self.template.format(field=field, **facts)
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, "detail": self.detail, "field": self.field, **self.facts}


# -- input ---------------------------------------------------------------

class InvalidInput(RemitError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"
    template = "{field} is invalid."


class AmountMalformed(InvalidInput):
    code = "amount_malformed"
    template = "{field} must be a plain decimal number such as 95.00, not {value!s}."


class AmountNegative(InvalidInput):
    code = "amount_negative"
    template = "{field} must not be negative (got {value})."


class AmountTooLarge(InvalidInput):
    code = "amount_too_large"
    template = "{field} is larger than Remit can store (got {value})."


class AmountTooPrecise(InvalidInput):
    code = "amount_too_precise"
    template = "{field} has more decimals than {currency} allows ({places}): {value}. Remit never rounds input."


class CurrencyUnknown(InvalidInput):
    code = "currency_unknown"
    template = "{currency!r} is not an ISO 4217 currency code."


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"
    template = "{field} is in {got}, but {expected} is required here."


class ExchangeRateInvalid(InvalidInput):
    code = "exchange_rate_invalid"
    template = "{field}: {reason}"


class BankChargesExceedAmount(InvalidInput):
    code = "bank_charges_exceed_amount"
    template = "bank_charges ({bank_charges}) cannot exceed the payment amount ({amount})."


class DayOutOfRange(InvalidInput):
    code = "day_out_of_range"
    template = "{field} is {day}; Remit keeps books from {first} to {last}."


class TextControlCharacter(InvalidInput):
    code = "text_control_character"
    template = ("{field} contains the control character {character}; text may hold tabs and line breaks, "
                "but no other control character.")


# -- lookups -------------------------------------------------------------

class NotFound(RemitError):
    """Also the answer for another business's ids: tenancy never leaks existence."""

    code = "not_found"
    status = 404
    title = "Not found"
    template = "No {resource} with id {id} exists."


class AlreadyExists(RemitError):
    code = "already_exists"
    status = 409
    title = "Already exists"
    template = "A {resource} with {key} {value!r} already exists."


# -- money rules ---------------------------------------------------------

class DocumentOverSettled(RemitError):
    code = "document_over_settled"
    status = 422
    title = "Settlement exceeds the balance due"
    template = (
        "Settling {settle} on {document_number} exceeds its live balance due of {balance_due} {currency}."
    )


class PaymentOverAllocated(RemitError):
    code = "payment_over_allocated"
    status = 422
    title = "Allocations exceed the payment"
    template = (
        "Allocations of {allocated} exceed the {available} {currency} this payment can apply."
    )


class CreditInsufficient(RemitError):
    code = "credit_insufficient"
    status = 422
    title = "Not enough unused credit"
    template = "Only {unused} {currency} of this payment is unused; {requested} was asked for."


class DocumentNotPayable(RemitError):
    code = "document_not_payable"
    status = 422
    title = "Document cannot take payments"
    template = "{document_number} is {doc_status}; only issued documents can be settled."


class CustomerMismatch(RemitError):
    code = "customer_mismatch"
    status = 422
    title = "Document belongs to another customer"
    template = "{document_number} belongs to another customer than this payment."


# -- state ---------------------------------------------------------------

class InvalidState(RemitError):
    code = "invalid_state"
    status = 409
    title = "Not allowed in the current state"
    template = "{resource} {id} is {state}; {action} is not allowed."


class DocumentHasSettlements(InvalidState):
    code = "document_has_settlements"
    template = "{document_number} already has {settled} {currency} settled; it cannot be {action}."


class CustomerHasActivity(InvalidState):
    """Documents and payments keep their customer: such a customer is retired, never erased or re-priced."""

    code = "customer_has_activity"
    template = "Customer {customer_id} has {documents} documents and {payments} payments; it cannot be {action}."


class PaymentHasLiveRefund(InvalidState):
    code = "payment_has_live_refund"
    template = "Payment {payment_number} has a live refund ({refund_number}); void the refund first."


class PaymentNotPending(InvalidState):
    code = "payment_not_pending"
    template = "Payment {payment_number} is {state}, not pending approval."


class VersionMismatch(RemitError):
    code = "version_mismatch"
    status = 409
    title = "Changed by someone else"
    template = "{resource} {id} is at version {current}, not {expected}; reload and try again."


class WriteContention(RemitError):
    """Raised after bounded retries; the API answers 503 with Retry-After."""

    code = "write_contention"
    status = 503
    title = "Busy, try again"
    template = "The database stayed busy after {attempts} attempts; retry in a moment."
    retry_after = 1


class DatabaseUnavailable(RemitError):
    """No connection could be had in time, or it was lost (pool exhausted, server restarting).

    Usually nothing was written; a connection lost during COMMIT leaves the
    outcome unknown, which is why the detail points at the Idempotency-Key.
    """

    code = "database_unavailable"
    status = 503
    title = "Database unavailable, try again"
    template = ("The database could not be reached ({reason}). Retry in a moment; with the same "
                "Idempotency-Key a retry never records anything twice.")
    retry_after = 1


# -- retries (rule 13) ---------------------------------------------------

class IdempotencyKeyReused(RemitError):
    code = "idempotency_key_reused"
    status = 422
    title = "Idempotency-Key used for a different request"
    template = "Idempotency-Key {key!r} was first used with a different request; use a new key for a new request."


class IdempotencyKeyInFlight(RemitError):
    code = "idempotency_key_in_flight"
    status = 409
    title = "A request with this Idempotency-Key is still running"
    template = "The first request with Idempotency-Key {key!r} has not finished; retry in a moment."
    retry_after = 1


class RateLimited(RemitError):
    """One API key sent more requests than its limit allows (``REMIT_RATE_LIMIT``); nothing was done."""

    code = "rate_limited"
    status = 429
    title = "Too many requests"
    template = "This API key is limited to {limit}; retry in {seconds} s."

    def __init__(self, *, limit: str, seconds: int) -> None:
        super().__init__(limit=limit, seconds=seconds)
        # The wait is known only when the limit is hit, so it is the instance's, not the class's.
        self.retry_after = seconds  # type: ignore[misc]
