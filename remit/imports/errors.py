"""What an import refuses before looking at any row: a file that is no CSV Remit can read."""

from __future__ import annotations

from remit.errors import InvalidInput


class ImportFileInvalid(InvalidInput):
    """The file as a whole: not UTF-8, no header, unknown or missing columns, malformed quoting."""

    code = "import_file_invalid"
    title = "The file cannot be imported"
    template = "{reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(field="file", reason=reason)
