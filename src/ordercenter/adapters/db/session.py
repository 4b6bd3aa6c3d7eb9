"""Engine and session factory built from settings (no import-time globals)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ordercenter.adapters.db.sqlite_writes import take_write_turns
from ordercenter.adapters.db.stage_counts import keep_stage_counts

SQLITE_POOL_SIZE = 20
SQLITE_POOL_OVERFLOW = 30


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web server read while the worker writes; busy_timeout waits out short write locks.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_private(database: Path) -> None:
    """The folder (0700) and the database file (0600) made readable by their owner only: the file holds
    customer names and addresses. SQLite gives its -wal and -shm files the mode of the database file."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # an existing file keeps the mode its operator gave it


def build_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _create_private(Path(url.database))
        # The pool covers a full request thread pool (40) plus the applies after the answers, so no
        # thread waits for a connection; a file database costs nothing per idle connection.
        pool: dict[str, Any] = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_OVERFLOW} \
            if url.database and url.database != ":memory:" else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        take_write_turns(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    keep_stage_counts(factory)
    return factory
