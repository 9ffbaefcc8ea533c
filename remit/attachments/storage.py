"""The content store: attachment bytes on disk, addressed by SHA-256.

Layout: ``<data_dir>/attachments/<sha256[:2]>/<sha256>``. Identical bytes are
stored once however many payments (or businesses) attach them. A file only
ever appears whole: bytes are staged in a temporary file beside the store and
moved into place with ``os.replace``, which is atomic on one filesystem.

Where ``data_dir`` is: the ``REMIT_DATA_DIR`` setting, unless the app sets
``app.state.data_dir`` (tests point it at a temporary directory that way; see
``remit.api.routes.attachments.attachment_store``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from remit.attachments.errors import AttachmentTooLarge

_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Staged:
    """Bytes received and hashed, waiting in a temporary file until a row needs them."""

    path: Path
    sha256: str
    size_bytes: int


def _fsync_directory(path: Path) -> None:
    """Make a rename durable; not every platform can open a directory, and then there is nothing to do."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def stage(self, source: BinaryIO, *, limit: int) -> Staged:
        """Copy ``source`` into a temporary file, hashing as it goes; stop as soon as it passes ``limit``."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.root, prefix=".staging-")
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise AttachmentTooLarge(limit=limit)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            os.unlink(name)
            raise
        return Staged(path=Path(name), sha256=digest.hexdigest(), size_bytes=size)

    def place(self, staged: Staged) -> None:
        """Put staged bytes at their address. Repeatable (a retried transaction calls it again) and keeps
        the staged file, so a retry still has it."""
        target = self.path_of(staged.sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.parent / f".placing-{uuid.uuid4().hex}"
        try:
            try:
                os.link(staged.path, temporary)
            except OSError:  # a filesystem without hard links: copy instead
                shutil.copyfile(staged.path, temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_directory(target.parent)

    def open(self, sha256: str) -> BinaryIO:
        """An open handle: the bytes stay readable even if the file is removed while they are sent."""
        return self.path_of(sha256).open("rb")

    def remove(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)

    def discard(self, staged: Staged) -> None:
        staged.path.unlink(missing_ok=True)


def store_in(data_dir: str | os.PathLike[str]) -> ContentStore:
    return ContentStore(Path(data_dir) / "attachments")
