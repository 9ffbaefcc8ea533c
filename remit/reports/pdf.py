"""The printed page both PDFs share: A4, the business's name on top, facts, tables and a page footer.

fpdf2 with the standard Helvetica font: nothing to install or ship, and the text stays extractable
(search, copy, screen readers). That font holds Windows-1252 only, so any other character (a name in
Devanagari, the rupee sign) is replaced before it reaches the page rather than failing the whole document.
All sizes are whole millimetres and points: no float has a place in remit/.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from remit.reports.amounts import PRINTABLE, fits_the_page

FONT = "Helvetica"
GREY = (90, 90, 90)
RED = (180, 0, 0)


def inline_disposition(filename: str) -> str:
    """The Content-Disposition that shows a PDF in the browser, saved as ``filename``. Numbers may come from
    an import: anything but plain characters would break the quoted header value."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in filename)
    return f'inline; filename="{safe}"'


def printable(text: object) -> str:
    """The text as the page can print it: control characters (a newline in a stored memo) become spaces, a
    letter outside Windows-1252 loses its accent when that brings it in ("Ą" -> "A"), and anything else
    becomes "?"."""
    out = []
    for ch in str(text):
        if ord(ch) < 32:
            out.append(" ")
        elif fits_the_page(ch):
            out.append(ch)
        else:
            bare = "".join(part for part in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(part))
            out.append(bare if bare and fits_the_page(bare) else "?")
    return "".join(out)


class Sheet(FPDF):
    def __init__(self, *, business: str, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = PRINTABLE
        self.business_name, self.sheet_title = printable(business), printable(title)
        self.set_title(f"{self.sheet_title} - {self.business_name}")
        self.set_author(self.business_name)
        self.set_creator("Remit")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.add_page()
        self.set_font(FONT, "B", 16)
        self.cell(0, 8, self.business_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 12)
        self.set_text_color(*GREY)
        self.cell(0, 7, self.sheet_title.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.business_name} - {self.sheet_title} - page {self.page_no()} of {{nb}}",
                  align=Align.C)
        self.set_text_color(0)

    def banner(self, word: str, text: str) -> None:
        """A red box with one large word (VOID) and why, for what must not be missed."""
        self.set_text_color(*RED)
        self.set_draw_color(*RED)
        self.set_font(FONT, "B", 22)
        self.multi_cell(0, 11, printable(word), border="LTR", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 10)
        self.multi_cell(0, 6, printable(text), border="LBR", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                        padding=(0, 2, 2, 2))
        self.set_text_color(0)
        self.set_draw_color(0)
        self.ln(3)

    def facts(self, pairs: Sequence[tuple[str, str | None]]) -> None:
        """Label and value on one line each; a fact with no value is left out."""
        for label, value in pairs:
            if value is None or value == "":
                continue
            self.set_font(FONT, "B", 10)
            self.cell(45, 6, printable(label))
            self.set_font(FONT, "", 10)
            self.multi_cell(0, 6, printable(value), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def section(self, text: str) -> None:
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.cell(0, 7, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def note(self, text: str) -> None:
        self.set_font(FONT, "", 9)
        self.set_text_color(*GREY)
        self.multi_cell(0, 5, printable(text), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[str]], *, widths: Sequence[int],
             right: int, bold_last: bool = False) -> None:
        """A table whose first ``len(headings) - right`` columns are text and the rest amounts (right-aligned).
        Headings repeat on every page the table runs onto."""
        align = tuple(["LEFT"] * (len(headings) - right) + ["RIGHT"] * right)
        self.set_font(FONT, "", 8)
        with self.table(col_widths=tuple(widths), text_align=align, line_height=5, padding=1,
                        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                        first_row_as_headings=True, repeat_headings=1) as table:
            table.row([printable(h) for h in headings])
            for index, row in enumerate(rows):
                style = FontFace(emphasis="BOLD") if bold_last and index == len(rows) - 1 else None
                # A cell may hold several lines on purpose (one deduction a line); each is cleaned alone.
                table.row(["\n".join(printable(part) for part in cell.split("\n")) for cell in row], style=style)
        self.ln(3)

    def rendered(self) -> bytes:
        return bytes(self.output())
