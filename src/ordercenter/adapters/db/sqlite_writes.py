"""SQLite's one writer, taken in turn: the connections of a process queue for it first come, first served.

SQLite lets one transaction write at a time; the others wait in its busy handler, which polls with growing
sleeps, so a writer that commits and writes again (the webhook applier, batch after batch) keeps taking the
lock back while a webhook's one insert starves behind it for seconds. Here a transaction's first write waits
in a FIFO queue of this process instead, and holds its turn until commit or rollback. Other processes on the
same file still meet SQLite's busy handler, as before: the queue makes waits fair, it guards nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from sqlalchemy import Engine, event

# The first word of a statement that takes SQLite's write lock.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
# Past this wait a transaction goes on without its turn and meets SQLite's own busy timeout.
TURN_TIMEOUT_SECONDS = 30.0
_TURN = "ordercenter_write_turn"
_HELD, _WITHOUT = "held", "went on without it"


class WriteTurns:
    """A first-come-first-served turn to write, one holder at a time."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._waiting: deque[object] = deque()
        self._holder: int | None = None

    def held_by_this_thread(self) -> bool:
        with self._condition:
            return self._holder == threading.get_ident()

    def take(self, timeout: float = TURN_TIMEOUT_SECONDS) -> bool:
        """Wait for this thread's turn; False when it did not come within `timeout`."""
        ticket = object()
        with self._condition:
            self._waiting.append(ticket)
            came = self._condition.wait_for(lambda: self._holder is None and self._waiting[0] is ticket, timeout)
            if not came:
                self._waiting.remove(ticket)
                self._condition.notify_all()
                return False
            self._waiting.popleft()
            self._holder = threading.get_ident()
            return True

    def give_back(self) -> None:
        with self._condition:
            self._holder = None
            self._condition.notify_all()


def take_write_turns(engine: Engine) -> WriteTurns:
    """Make the writes of `engine`'s connections wait their turn in one queue."""
    turns = WriteTurns()

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        info = connection.info
        if info.get(_TURN) or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        # A thread writing through a second connection while its first holds the turn would wait for
        # itself: it goes on and meets SQLite's busy handler, as it would without the queue.
        if turns.held_by_this_thread():
            return
        info[_TURN] = _HELD if turns.take() else _WITHOUT

    def _end(connection: Any, *_: Any) -> None:
        if connection.info.pop(_TURN, None) == _HELD:
            turns.give_back()

    def _back_in_pool(_dbapi_connection: Any, connection_record: Any, *_: Any) -> None:
        # A connection returned or discarded in the middle of a transaction gives its turn back too.
        if connection_record.info.pop(_TURN, None) == _HELD:
            turns.give_back()

    def _reset(dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        _back_in_pool(dbapi_connection, connection_record, reset_state)

    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)
    event.listen(engine, "reset", _reset)
    event.listen(engine, "close", _back_in_pool)
    event.listen(engine, "invalidate", _back_in_pool)
    return turns
