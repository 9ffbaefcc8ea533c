"""A CSV import's answer: what was created, skipped as bad, or found already imported."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from remit.imports.csv_import import ImportResult

ImportKind = Literal["customers", "documents", "payments"]


class ImportRowError(BaseModel):
    line: int = Field(description="The row's line in the file; the header is line 1.")
    reason: str


class ImportPublic(BaseModel):
    object: Literal["import"] = "import"
    kind: ImportKind
    rows: int = Field(description="Rows in the file, the header aside.")
    created: int = Field(description="Rows written; in a dry run, the rows that would be.")
    skipped: int = Field(description="Bad rows left out (skip_invalid).")
    already_imported: int = Field(description="Rows whose external_id an earlier import already wrote.")
    errors: list[ImportRowError]
    dry_run: bool

    @classmethod
    def of(cls, result: ImportResult) -> ImportPublic:
        return cls(kind=result.kind, rows=result.rows, created=result.created, skipped=result.skipped,  # type: ignore[arg-type]
                   already_imported=result.already_imported, dry_run=result.dry_run,
                   errors=[ImportRowError(line=error.line, reason=error.reason) for error in result.errors])
