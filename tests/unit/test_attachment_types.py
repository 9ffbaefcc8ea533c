"""remit.attachments.types: a file's type comes from its bytes, and a filename is made safe to show."""

from __future__ import annotations

import io
import zipfile

import pytest

from remit.attachments.types import CSV, JPEG, PDF, PNG, WEBP, XLSX, detect_content_type, sanitise_filename


def zip_of(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in names:
            package.writestr(name, "<x/>")
    return buffer.getvalue()


# One small, real-enough file of each allowed type; the API tests upload these too.
SAMPLES = {
    PDF: b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
    PNG: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17),
    JPEG: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20),
    WEBP: b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24),
    XLSX: zip_of("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"),
    CSV: b'invoice,amount,paid on\nINV-00001,100.00,2026-11-20\nINV-00002,"1,250.50",2026-11-21\n',
}
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)


def detect(data: bytes) -> str | None:
    return detect_content_type(io.BytesIO(data))


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_each_allowed_type_is_recognised_by_its_bytes(content_type: str) -> None:
    assert detect(SAMPLES[content_type]) == content_type


@pytest.mark.parametrize("data", [
    ELF,
    b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56),                       # a Windows executable
    b"GIF89a" + bytes(20),                                           # an image type not allowed
    b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24),                     # RIFF, but audio
    zip_of("word/document.xml", "[Content_Types].xml"),              # a Word document
    zip_of("xl/workbook.xml"),                                       # no package manifest
    b"PK\x03\x04 not really a zip at all",
    b"%PD",                                                          # too short to be a PDF
    b"This is not a PDF.\nIt only says it is one.\n",                # prose, not rows
    b"one column\nalpha\nbeta\n",                                    # single column: not told from prose
    b"a,b\n1,2\x00\n",                                               # a NUL is binary
    b"a,b\n1,\x07\n",                                                # so is a bell
    "a,b\ncaf\u00e9,1\n".encode("latin-1"),                          # not UTF-8
])
def test_everything_else_is_refused(data: bytes) -> None:
    assert detect(data) is None


@pytest.mark.parametrize("text", [
    "\ufeffdate;amount\n2026-11-20;100,00\n",           # BOM and semicolons, as spreadsheets export
    "date\tamount\r\n2026-11-20\t100.00\r\n",           # tabs and CRLF
    ("Statement for November\ndate,ref,amount\n2026-11-20,UTR1,100.00\n2026-11-21,UTR2,50.00\n"
     "2026-11-22,UTR3,10.00\n2026-11-23,UTR4,1.00\n"),  # a preamble line, as bank exports have
    "name,city\nRavi,Pune\n" * 5000,                    # longer than the sample the shape is judged on
])
def test_csv_dialects_people_export_are_taken(text: str) -> None:
    assert detect(text.encode()) == CSV


def test_a_csv_cut_mid_row_is_judged_on_its_whole_rows() -> None:
    rows = "".join(f"INV-{n:05},{n}.00,2026-11-20\n" for n in range(6000))
    assert detect(rows.encode()) == CSV


def test_only_magic_bytes_count_not_the_name() -> None:
    # A PNG called receipt.pdf is a PNG; the route ignores the name and the client's Content-Type.
    assert detect(SAMPLES[PNG]) == PNG


@pytest.mark.parametrize(("given", "expected"), [
    ("receipt.pdf", "receipt.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\asha\\slip 1.png", "slip 1.png"),
    ("bad\r\nheader: x.pdf", "badheader: x.pdf"),
    ("  spaced   out .csv  ", "spaced out .csv"),
    ("\u202eevil\u202c.pdf", "evil.pdf"),       # bidi overrides that disguise an extension
    ("...", "attachment"),
    ("", "attachment"),
    (None, "attachment"),
    ("r\u00e9c\u00e9piss\u00e9.pdf", "r\u00e9c\u00e9piss\u00e9.pdf"),
])
def test_filenames_are_made_safe(given: str | None, expected: str) -> None:
    assert sanitise_filename(given) == expected


def test_long_filenames_keep_their_extension() -> None:
    name = sanitise_filename("x" * 400 + ".xlsx")
    assert len(name) == 255 and name.endswith(".xlsx")
