"""Reading an import file: UTF-8 CSV with a header row, one record per row, each with the line it starts on.

Line numbers are lines of the file as an editor shows them (the header is line 1), so a quoted value that
spans lines does not shift the numbers of the rows after it. Blank rows are skipped. Problems with the file
as a whole raise ``ImportFileInvalid``; a row whose shape is wrong is returned with its ``problem`` so that
every bad row can be reported together.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from remit.imports.errors import ImportFileInvalid
from remit.text import control_character

# Allocation columns repeat as document_2, applied_2 ... up to this many per payment.
MAX_GROUPS = 50
# A cell longer than this is no value any column takes; csv refuses it rather than hold it in memory.
MAX_CELL = 100_000


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns one kind of file may have. ``repeated`` may also appear as ``<name>_2`` .. ``<name>_50``."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()

    def known(self, name: str) -> bool:
        if name in self.required or name in self.optional or name in self.repeated:
            return True
        found = re.fullmatch(r"([a-z_]+)_([0-9]+)", name)
        return bool(found and found.group(1) in self.repeated and 2 <= int(found.group(2)) <= MAX_GROUPS
                    and not found.group(2).startswith("0"))


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    # Every header column, its text stripped of surrounding spaces ("" when blank).
    cells: dict[str, str]
    problem: str | None = None

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


def decode(data: bytes) -> str:
    """UTF-8, with or without the byte-order mark spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportFileInvalid(f"line {line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                "save it as CSV UTF-8.") from None


def _header(names: list[str], columns: Columns) -> list[str]:
    header = [name.strip().lower() for name in names]
    if not any(header):
        raise ImportFileInvalid("line 1: the header row is empty; the first line names the columns.")
    if blank := [str(index + 1) for index, name in enumerate(header) if not name]:
        raise ImportFileInvalid(f"line 1: header column {', '.join(blank)} has no name.")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ImportFileInvalid(f"line 1: the header names {', '.join(repeated)} more than once.")
    unknown = [name for name in header if not columns.known(name)]
    if unknown:
        allowed = [*columns.required, *columns.optional, *(f"{name}[_N]" for name in columns.repeated)]
        raise ImportFileInvalid(f"line 1: unknown column(s) {', '.join(unknown)}; the columns are "
                                f"{', '.join(allowed)}.")
    missing = [name for name in columns.required if name not in header]
    if missing:
        raise ImportFileInvalid(f"line 1: the header lacks the required column(s) {', '.join(missing)}.")
    return header


def read_rows(data: bytes, columns: Columns) -> list[Row]:
    """Every non-blank record after the header, in file order."""
    text = decode(data)
    if not text.strip():
        raise ImportFileInvalid("the file is empty; it needs a header row and then one row per record.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    try:
        header = _header(next(reader), columns)
        previous_end = reader.line_num
        rows = []
        for values in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            rows.append(_row(line, header, values))
    except csv.Error as exc:
        raise ImportFileInvalid(f"line {previous_end + 1}: the CSV is malformed ({exc}).") from None
    return rows


def _row(line: int, header: list[str], values: list[str]) -> Row:
    cells = {name: value.strip() for name, value in zip(header, values, strict=False)}
    problem = None
    if len(values) != len(header):
        problem = f"has {len(values)} values but the header has {len(header)} columns"
    else:
        for name, value in cells.items():
            if len(value) > MAX_CELL:
                problem = f"{name} is longer than any value Remit takes ({len(value)} characters)"
                break
            if (character := control_character(value)) is not None:
                problem = f"{name} contains the control character {character}"
                break
    return Row(line, cells, problem)
