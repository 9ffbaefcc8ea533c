"""Schemathesis hooks and checks for the native API, loaded through ``hooks`` in schemathesis.toml.

Both the in-process run (tests/api/test_schemathesis.py) and the long campaign (tools/fuzz_api.sh)
use them, so the two judge the API by the same rules.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from typing import Any

import schemathesis
from schemathesis.openapi.checks import EnsureResourceAvailability, UseAfterFree

_fresh = itertools.count(1)
# Members unique within a business, with the shortest limit any operation puts on them.
UNIQUE_MEMBERS = (("code", 20), ("number", 64))

# Refusals a JSON Schema cannot state, because they depend on stored data, on two members together, or on
# the decimals a currency has: (status, problem code) -> where the refused member may be (a regular
# expression over the parameter name or JSON pointer), or None for anywhere.
RULES_BEYOND_THE_SCHEMA: dict[tuple[int, str], str | None] = {
    # Cursors must name an object of the list being paged, and only one of the two may be sent; a journal
    # range must not end before it starts.
    (400, "parameter_invalid"): r"starting_after|ending_before|date_end",
    # The rate is 1 exactly when the customer's currency is the base currency.
    (422, "exchange_rate_invalid"): r"/exchange_rate",
    # How many decimals an amount may have is the currency's (INR 2, JPY 0, KWD 3).
    (422, "amount_too_precise"): None,
    # version and If-Match must agree; a method code, a contact person must exist, a deposit account or
    # location must still be active; a JSON number's decimals (quantity, tax rate) are beyond what the schema
    # can bound exactly; a line's discount may not pass its amount, nor a due date come before the issue date;
    # a nameless line takes its description as its name (see LineIn in remit/api/schemas/documents.py); a
    # statement's period must not end before it starts; a time zone is a name in the server's tz database,
    # whose list depends on the tzdata installed, not on the schema.
    (422, "invalid_input"): r"/version|/method|/contact_persons/[0-9]+/id|/(deposit_account|location)_id"
                            r"|/lines/[0-9]+/(name|quantity|tax_rate|discount)|/due_date|/date_to|/timezone",
    # A CSV import's file is judged by its content: readable CSV with known columns, then row by row.
    (422, "import_file_invalid"): r"/file",
    (422, "import_rows_invalid"): r"/file",
    # The money rules, checked against live balances.
    **{(422, code): None for code in ("document_over_settled", "payment_over_allocated", "credit_insufficient",
                                      "document_not_payable", "customer_mismatch", "currency_mismatch",
                                      "bank_charges_exceed_amount")},
}


# DELETE on these voids or retires (money rule 7: nothing is erased): the object stays readable, now void or
# inactive, and so do the refunds and files under a voided payment. Customers and attachments, which DELETE
# does erase, are not here and stay checked.
ARCHIVED_BY_DELETE = re.compile(r"DELETE /v1/((payment-methods|deposit-accounts|locations|documents|payments)/[^/]+"
                                r"|payments/[^/]+/(refunds|allocations)/[^/]+)")


def _problem(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _missing_named_by_the_body(case: Any, response: Any) -> bool:
    """The 404 names an object the request body referred to, not the one the link put in the path.

    A link's body is only applied some of the time; otherwise a generated one goes out, and its ``document_id``
    is a guess that names no document of this business. That 404 is right: the payment in the path exists.
    """
    missing = _problem(response).get("id")
    linked = {str(value) for value in (case.path_parameters or {}).values()}
    return missing is not None and str(missing) not in linked


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure except a read after a DELETE that, by design, only voids or retires, and a 404 for a
    generated body reference right after the resource in the path was made."""
    if isinstance(failure, UseAfterFree):
        return ARCHIVED_BY_DELETE.fullmatch(failure.free) is None
    if isinstance(failure, EnsureResourceAvailability):
        return not _missing_named_by_the_body(case, response)
    return True


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A real client sends a fresh Idempotency-Key with each new request; the generator repeats a few
    values ("null", "0") across unrelated requests, which the API rightly refuses as key reuse (422)."""
    key = (case.headers or {}).get("Idempotency-Key")
    # Only keys the schema allows (1 to 255 characters) are renewed: an invalid one is a negative case.
    if isinstance(key, str) and 1 <= len(key) <= 255:
        case.headers["Idempotency-Key"] = f"{next(_fresh)}-{key}"[:255]
    # Scenarios share one business, so a code one scenario used is taken in the next. A 409 there would make the
    # same scenario succeed once and fail later, which Hypothesis reads as flaky generation and stops the phase.
    if case.meta is not None and case.meta.phase.name.value == "stateful" and isinstance(case.body, dict):
        for member, longest in UNIQUE_MEMBERS:
            if isinstance(case.body.get(member), str) and case.body[member]:
                case.body[member] = f"{next(_fresh)}-{case.body[member]}"[:longest]


# How many keys a run has revoked: tests/api/fuzzing.py checks that its own key still lives only when this moves.
revocations = 0


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    global revocations
    if case.operation.label == "DELETE /v1/api-keys/{key_id}" and response.status_code == 200:
        revocations += 1


@schemathesis.check
def valid_requests_are_refused_only_by_rules_beyond_the_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid request may still be refused, but only by a rule the schema cannot state.

    positive_data_acceptance is told (per operation, in schemathesis.toml) that some 400s and 422s are
    expected; this check keeps that from hiding a refusal the schema should have stated itself.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    body = _problem(response)
    code = body.get("code", "")
    places = {error.get("parameter") or error.get("pointer") for error in body.get("errors", [])}
    if (response.status_code, code) not in RULES_BEYOND_THE_SCHEMA:
        raise AssertionError(f"A schema-valid request was refused with {response.status_code} {code}: "
                             f"{body.get('detail')}. State this rule in the schema.")
    allowed = RULES_BEYOND_THE_SCHEMA[(response.status_code, code)]
    if allowed is not None and not all(re.fullmatch(allowed, str(place)) for place in places):
        raise AssertionError(f"A schema-valid request was refused with {response.status_code} {code} on "
                             f"{sorted(map(str, places))}: {body.get('detail')}. State this rule in the schema.")
    return None


if os.environ.get("REMIT_FUZZ_DATABASE_URL"):
    # tools/fuzz_api.sh: `st run` authenticates as the campaign's business. A long run will revoke that key
    # sooner or later (DELETE /v1/api-keys/1 is a natural guess), so a fresh one is issued straight in the
    # server's database, as the in-process run does (tests/api/fuzzing.py).
    @schemathesis.auth(refresh_interval=None)
    class CampaignKey:
        live: Any = None

        def get(self, case: Any, context: Any) -> str:
            if CampaignKey.live is None:
                from remit.db import make_engine
                from tests.api.fuzzing import LiveKey

                CampaignKey.live = LiveKey(make_engine(os.environ["REMIT_FUZZ_DATABASE_URL"]),
                                           int(os.environ["REMIT_FUZZ_BUSINESS_ID"]), os.environ["REMIT_FUZZ_API_KEY"])
            return CampaignKey.live.current()

        def set(self, case: Any, secret: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}
