"""SQLite writers of one process take turns first come, first served, instead of racing SQLite's busy handler."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text

from ordercenter.adapters.db.session import build_engine
from ordercenter.adapters.db.sqlite_writes import WriteTurns


def _engine(tmp_path: Path) -> Engine:
    engine = build_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE log (id INTEGER PRIMARY KEY, writer TEXT)"))
    return engine


def test_a_single_insert_is_not_starved_by_a_writer_that_commits_and_writes_again(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    started = threading.Event()

    def busy_writer() -> None:
        # Like the webhook applier: transaction after transaction, each holding the lock a while.
        for _ in range(30):
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO log (writer) VALUES ('batch')"))
                started.set()
                time.sleep(0.03)

    batches = threading.Thread(target=busy_writer)
    batches.start()
    started.wait(10)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO log (writer) VALUES ('webhook')"))
    batches.join(30)
    with engine.connect() as connection:
        order = [row[0] for row in connection.execute(text("SELECT writer FROM log ORDER BY id"))]
    engine.dispose()
    # The single insert waited for the batch being written when it arrived, and for no other.
    assert order.index("webhook") <= 2, order


def test_turns_are_given_in_the_order_they_were_asked_for() -> None:
    turns = WriteTurns()
    assert turns.take()
    served: list[int] = []
    waiting: list[threading.Thread] = []
    for number in range(5):
        def wait_for_turn(number: int = number) -> None:
            assert turns.take()
            served.append(number)
            turns.give_back()
        waiting.append(threading.Thread(target=wait_for_turn))
        waiting[-1].start()
        time.sleep(0.02)  # each asks after the one before
    turns.give_back()
    for thread in waiting:
        thread.join(10)
    assert served == [0, 1, 2, 3, 4]


def test_a_turn_that_does_not_come_in_time_is_given_up_and_leaves_the_queue_usable() -> None:
    turns = WriteTurns()
    assert turns.take()
    assert turns.held_by_this_thread()
    late: list[bool] = []
    thread = threading.Thread(target=lambda: late.append(turns.take(timeout=0.05)))
    thread.start()
    thread.join(10)
    assert late == [False]
    turns.give_back()
    assert turns.take(timeout=1)


def test_a_rolled_back_transaction_gives_its_turn_back(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(text("INSERT INTO log (writer) VALUES ('undone')"))
    transaction.rollback()
    connection.close()
    done = threading.Event()

    def write() -> None:
        with engine.begin() as other:
            other.execute(text("INSERT INTO log (writer) VALUES ('next')"))
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(10)
    engine.dispose()
