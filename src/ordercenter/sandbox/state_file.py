"""A sandbox's state kept in one JSON file, rewritten atomically whenever its lock is let go after a change.

The demo gives each sandbox a file in its data folder, so a restarted demo finds the orders, tokens and
subscriptions it had; tests and benchmarks give none and keep everything in memory. Saving when the
outermost holder releases the lock catches every change, whichever method or endpoint made it, and
the snapshot is taken under the lock, so it is always a consistent one.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


class UnreadableState(Exception):
    """The state file exists but does not hold a sandbox's state (named, with what to do about it)."""


class StateFile(Generic[T]):
    """`T` (a dataclass) as JSON in `path`, mode 0600 (it holds the sandbox's secrets)."""

    def __init__(self, path: Path, kind: type[T]) -> None:
        self.path = path
        self._adapter: TypeAdapter[T] = TypeAdapter(kind)
        self._written: bytes | None = None

    def load(self) -> T | None:
        """The saved state, or None when there is no file yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            state = self._adapter.validate_json(raw)
        except ValidationError as error:
            raise UnreadableState(f"{self.path} does not hold a sandbox's state ({error.error_count()} problems, "
                                  f"first: {error.errors()[0]['msg']}); move it away to start this sandbox "
                                  "afresh") from None
        self._written = raw
        return state

    def save(self, state: T) -> None:
        """Write `state` unless the file already holds exactly it; a crash leaves the old file or the new one."""
        raw = self._adapter.dump_json(state)
        if raw != self._written:
            write_private_file(self.path, raw)
            self._written = raw


def write_private_file(path: Path, content: bytes) -> None:
    """Replace `path` with `content`, readable by its owner only from the first byte, all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp creates it 0600
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class SavingLock:
    """A re-entrant lock that calls `save` when its outermost holder lets go (nothing to do without one)."""

    def __init__(self, save: Callable[[], None] | None = None) -> None:
        self._lock = threading.RLock()
        self._depth = 0  # only touched by the holder
        self.save = save

    def acquire(self) -> bool:
        self._lock.acquire()
        self._depth += 1
        return True

    def release(self) -> None:
        try:
            if self._depth == 1 and self.save is not None:
                self.save()
        finally:
            self._depth -= 1
            self._lock.release()

    def __enter__(self) -> SavingLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()

