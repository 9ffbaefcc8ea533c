"""What a person (or a search, or a screen reader) gets out of a PDF Remit made: its text, page after page."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
