"""What a file is, judged by its bytes; and a filename made safe to show (pure, no I/O beyond the file given).

A client's filename and Content-Type are claims anyone can forge, so the
allowed types are recognised by content: magic bytes for PDF and images, the
package's own entries for XLSX, and the shape of the text for CSV.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import unicodedata
import zipfile
from collections import Counter
from typing import BinaryIO

MAX_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
ALLOWED = (PDF, PNG, JPEG, WEBP, XLSX, CSV)

_CHUNK = 64 * 1024
_PDF_TRAILER_WINDOW = 1024
# Enough rows to judge the shape without reading a whole 10 MB file into the csv module.
_CSV_SAMPLE_CHARS = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")
# Control characters text files do not carry (tab, line feed and carriage return are fine).
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def detect_content_type(file: BinaryIO) -> str | None:
    """The allowed content type ``file`` really is, or None. Reads from the start; leaves the position anywhere."""
    file.seek(0)
    head = file.read(16)
    if head.startswith(b"%PDF-"):
        return PDF if _has_pdf_trailer(file) else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return XLSX if _is_xlsx(file) else None
    return CSV if _is_csv(file) else None


def _has_pdf_trailer(file: BinaryIO) -> bool:
    """A PDF ends with ``%%EOF`` (readers look for it in the last kilobyte). Without it, the header is only a
    claim: an executable or a page of script behind ``%PDF-`` is not a PDF."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - _PDF_TRAILER_WINDOW))
    return b"%%EOF" in file.read(_PDF_TRAILER_WINDOW)


def _is_xlsx(file: BinaryIO) -> bool:
    """An Office Open XML workbook: a ZIP with the package manifest and a workbook folder.

    Only the central directory is read, never an entry's data, so a ZIP bomb costs nothing.
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


def _is_csv(file: BinaryIO) -> bool:
    """UTF-8 text without NULs or binary control characters whose rows split into the same columns."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    sample: list[str] = []
    sampled = 0
    try:
        while chunk := file.read(_CHUNK):
            if b"\x00" in chunk:
                return False
            text = decoder.decode(chunk)
            if _BINARY_CONTROLS.search(text):
                return False
            if sampled < _CSV_SAMPLE_CHARS:
                sample.append(text)
                sampled += len(text)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return looks_delimited("".join(sample)[:_CSV_SAMPLE_CHARS], complete=sampled <= _CSV_SAMPLE_CHARS)


def looks_delimited(text: str, *, complete: bool = True) -> bool:
    """Most rows split into the same number (two or more) of columns on one of the usual delimiters.

    A single-column file is not told apart from prose, so it is refused; ``complete`` False means
    the text was cut and its last row may be partial.
    """
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return False
    for delimiter in _DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        width, rows = Counter(widths).most_common(1)[0]
        # A preamble line or a ragged total row is common in bank exports; prose is not this regular.
        if width >= 2 and 5 * rows >= 4 * len(widths):  # four rows in five
            return True
    return False


def sanitise_filename(name: str | None, *, limit: int = 255) -> str:
    """The last path component, without control characters, trimmed to ``limit`` keeping the extension.

    The name is only shown and sent back in Content-Disposition; it never names a file on disk.
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = " ".join(base.split()).strip(" .")
    if not base:
        return "attachment"
    if len(base) > limit:
        stem, extension = os.path.splitext(base)
        extension = extension if len(extension) <= 16 else ""
        base = stem[: limit - len(extension)] + extension
    return base
