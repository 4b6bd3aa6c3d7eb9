"""`LocalFileStore`: the `FileStore` port on a local folder (ORDERCENTER_FILES_DIR), for the embedded default.

Keys are relative paths such as `shop-3/returns/<request>/1-photo.png`, so each shop's files sit in
their own folder. A key that would leave the root (`..`, an absolute path, a symbolic link pointing
out) is refused, and files are written readable by their owner only (0600), atomically.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from ordercenter.domain.errors import InvalidInput, NotFound


def evidence_key(shop_id: int, folder: str, number: int, safe_name: str) -> str:
    """The key of a return request's `number`th evidence file, inside the shop's own folder."""
    return f"shop-{shop_id}/returns/{folder}/{number}-{safe_name}"


def shop_folder(shop_id: int) -> str:
    """The folder holding every file of one shop."""
    return f"shop-{shop_id}"


def privacy_export_key(shop_id: int, request_id: int) -> str:
    """The key of a data request's file (what we hold on one customer), inside the shop's own folder."""
    return f"{shop_folder(shop_id)}/privacy/data-request-{request_id}.json"


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        parts = PurePosixPath(key).parts
        if (not key or "\\" in key or "\x00" in key or key.startswith("/") or not parts
                or any(part in ("", ".", "..") for part in parts)):
            raise InvalidInput(f"'{key}' is not a file key inside the file store", field="key")
        path = self.root.joinpath(*parts).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidInput(f"'{key}' escapes the file store", field="key")
        return path

    def put(self, key: str, content: bytes, content_type: str) -> None:
        """Write the file (replacing one with the same key); the type is read back from the content."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written beside its final place, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")  # mode 0600
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"no file '{key}' in the file store", field="key")
        return path.read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file; a file already gone is no error (deletions are repeated after a crash)."""
        self._path(key).unlink(missing_ok=True)

    def delete_folder(self, folder: str) -> None:
        """Remove the folder and everything in it, if it exists."""
        path = self._path(folder)
        if path.is_dir():
            shutil.rmtree(path)
