"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, make_url, text

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.db.migrations import upgrade
from ordercenter.adapters.db.session import build_engine
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.domain.metadata import metadata
from tests.factories import T0
from tests.smtp_server import Mailbox, smtp_server

# Tests read the commands' tables and messages: a wide console keeps rich from wrapping them (a pytest-xdist
# worker's console is narrower than a terminal's), in this process and the commands it starts.
os.environ["COLUMNS"] = "200"

NAMED_POSTGRES_URL = os.environ.get("ORDERCENTER_TEST_POSTGRES_URL")


def _database_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist each worker has its own database beside the named one: tests truncate theirs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url is None or worker is None:
        return url
    named = make_url(url)
    return named.set(database=f"{named.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = _database_of_this_worker(NAMED_POSTGRES_URL)
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """A PostgreSQL schema rebuilt from the migrations once per test run."""
    assert POSTGRES_URL is not None and NAMED_POSTGRES_URL is not None
    if POSTGRES_URL != NAMED_POSTGRES_URL:
        _create_database(NAMED_POSTGRES_URL, make_url(POSTGRES_URL).database or "")
    engine = build_engine(Settings(database_url=POSTGRES_URL).resolved_database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _create_database(server_url: str, name: str) -> None:
    engine = build_engine(Settings(database_url=server_url).resolved_database_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if exists.first() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def _truncate(engine: Engine) -> None:
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test run; each test starts from a copy (migrating costs far more)."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    engine = build_engine(Settings(data_dir=folder, secret_key="t" * 40).resolved_database_url)
    upgrade(engine)
    engine.dispose()  # the last connection's close folds the write-ahead log into the file
    return folder / "ordercenter.db"


def settings_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings on an empty, migrated database of that backend."""
    if backend == "postgresql":
        _truncate(request.getfixturevalue("postgres_engine"))
        return Settings(data_dir=tmp_path, database_url=POSTGRES_URL, secret_key="t" * 40)
    template: Path = request.getfixturevalue("sqlite_template")
    database = tmp_path / "ordercenter.db"
    if not database.exists():
        shutil.copyfile(template, database)
    return Settings(data_dir=tmp_path, secret_key="t" * 40)


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return settings_for(request.param, request, tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def container(settings: Settings, clock: ManualClock) -> Iterator[Container]:
    c = bootstrap(settings, clock=clock, migrate=settings.database_url is None)
    yield c
    c.engine.dispose()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on loopback; `mailbox.url` is its ORDERCENTER_SMTP_URL."""
    with smtp_server() as box:
        yield box


# The Redis the tests share (database 7, apart from what the machine may keep in 0); keys carry a uuid.
TEST_REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """A connection to the machine's Redis; the test skips, saying so, when none answers."""
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield connection
    connection.close()
