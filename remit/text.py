"""Text is stored as text: no NUL and no other control character, tabs and line breaks aside.

PostgreSQL cannot hold NUL in a text column at all (the driver raises, which
was a 500), and the other control characters in a name or a reference corrupt
what is shown, exported, printed on a receipt or put in an e-mail header. All
text reaches the database through a flush, so one check there
(``refuse_control_text``) covers every surface, the CLI and the demo alike.
Query strings never reach a flush; each route class checks them with
``control_character``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import JSON, String, inspect
from sqlalchemy.orm import Session

from remit.errors import TextControlCharacter

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Rows that hold what Remit itself rendered (a stored response), not text a client chose.
_NOT_CLIENT_TEXT = {"idempotency_records"}


def control_character(text: str) -> str | None:
    """The first control character in ``text`` as ``U+0000``, or None when there is none."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def check_text(value: Any, *, field: str) -> None:
    """Raise ``TextControlCharacter`` naming ``field`` (``metadata/erp_id`` inside JSON) for the first one found."""
    if isinstance(value, str):
        character = control_character(value)
        if character is not None:
            raise TextControlCharacter(field=field, character=character)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field=field)
            check_text(item, field=f"{field}/{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_text(item, field=f"{field}/{index}")


def refuse_control_text(session: Session, _flush_context: Any, _instances: Any) -> None:
    """``before_flush``: every text and JSON value being written, in new rows and in changed columns."""
    for row in (*session.new, *session.dirty):
        if getattr(row, "__tablename__", None) in _NOT_CLIENT_TEXT:
            continue
        state = inspect(row)
        for attribute in state.mapper.column_attrs:
            column = attribute.columns[0]
            if not isinstance(column.type, String | JSON):
                continue
            if not state.pending and not state.attrs[attribute.key].history.has_changes():
                continue
            # Only what is loaded or set: reading an expired attribute here would query mid-flush.
            check_text(state.dict.get(attribute.key), field=column.name)
