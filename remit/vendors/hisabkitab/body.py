"""Reading a HisabKitab request body: multipart/urlencoded form or JSON, into one plain dict.

The docs send forms with PHP-style arrays (``transaction_id[]``,
``settle_invoices_data[0][received_amount]``) while their samples send JSON;
both end up as the same dict of scalars, lists and lists of dicts. Empty
form values count as absent, as Laravel treats them. The Idempotency-Key
fingerprint is taken over that dict (and the file's hash), not over the raw
bytes: a multipart retry has a new boundary but is the same request.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from remit.api.deps import IdempotencyKey
from remit.api.problems import BodyMalformed
from remit.attachments.errors import AttachmentTooLarge
from remit.attachments.types import MAX_BYTES
from remit.errors import InvalidInput
from remit.text import check_text

FILE_FIELD = "upload_receipt_invoice"
# Fields that are arrays even when a form sends them once, without brackets.
ARRAYS = {"transaction_id", "rc_transaction_item_id", "invoice_number", "bill_type", "received_amount",
          "discount_amount", "rounding_amount"}
_ADJUSTMENT = re.compile(r"adj_(ledger|amount)_\d+")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\[\]]*\])*)")
_ENVELOPE_BYTES = 64 * 1024


@dataclass(slots=True)
class Body:
    fields: dict[str, Any]
    file: UploadFile | None = None


def _is_array(name: str) -> bool:
    return name in ARRAYS or bool(_ADJUSTMENT.fullmatch(name))


def _dense(indexed: dict[int, Any]) -> list[Any]:
    return [indexed.get(i) for i in range(max(indexed) + 1)] if indexed else []


def _put_form(fields: dict[str, Any], key: str, value: str) -> None:
    found = _KEY.fullmatch(key)
    if found is None:
        return
    name, parts = found.group(1), re.findall(r"\[([^\[\]]*)\]", found.group(2))
    if value == "":
        value = None  # type: ignore[assignment]
    if not parts and not _is_array(name):
        fields[name] = value
    elif not parts or parts == [""]:
        items = fields.setdefault(name, [])
        if not isinstance(items, list):
            raise InvalidInput(field=name, detail=f"{name} is sent both as a list and with indexes.")
        items.append(value)
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    elif re.fullmatch(r"[0-9]{1,4}", parts[0]) and len(parts) <= 2:
        rows = fields.setdefault(name, {})
        if not isinstance(rows, dict):
            raise InvalidInput(field=name, detail=f"{name} is sent both as a list and with indexes.")
        index = int(parts[0])
        if len(parts) == 1:
            rows[index] = value
        elif isinstance(row := rows.setdefault(index, {}), dict):
            row[parts[1]] = value
        else:
            raise InvalidInput(field=f"{name}.{index}", detail=f"{name}[{index}] is sent both as a value and "
                                                                f"with members.")
    # Anything deeper is no field HisabKitab documents; Laravel ignores unknown input, and so do we.


async def read_body(request: Request) -> Body:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES + _ENVELOPE_BYTES:
            raise AttachmentTooLarge(limit=MAX_BYTES, field=FILE_FIELD)
        try:
            form = await request.form(max_files=1, max_fields=2000)
        except MultiPartException as exc:
            raise BodyMalformed(reason=exc.message) from None
        fields: dict[str, Any] = {}
        upload = None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != FILE_FIELD:
                    raise InvalidInput(field=key, detail=f"Only {FILE_FIELD} may carry a file.")
                upload = value
            else:
                # A JSON body is checked as it is decoded (loads_exact); a form, here.
                check_text(value, field=key.removesuffix("[]"))
                _put_form(fields, key, value)
        for name, value in fields.items():
            if isinstance(value, dict):
                fields[name] = _dense(value)
        return Body(fields, upload)
    raw = await request.body()
    if not raw.strip():
        return Body({})
    try:
        data = await request.json()
    except ValueError as exc:
        raise BodyMalformed(reason=str(exc)) from None
    if not isinstance(data, dict):
        raise BodyMalformed(reason="the body must be a JSON object")
    return Body({key.removesuffix("[]"): value for key, value in data.items()})


def fingerprint(request: Request, body: Body, file_sha256: str | None = None) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(json.dumps(body.fields, sort_keys=True, default=str).encode())
    if body.file is not None:
        digest.update(f"\n{body.file.filename}\n{file_sha256}".encode())
    return digest.hexdigest()


def idempotency(request: Request, body: Body, file_sha256: str | None = None) -> IdempotencyKey | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255:
        raise InvalidInput(field="Idempotency-Key", detail="Idempotency-Key is 1 to 255 characters.")
    return IdempotencyKey(key=key, fingerprint=fingerprint(request, body, file_sha256))
