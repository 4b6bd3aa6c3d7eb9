"""GET /readyz: ready only when the database answers at the code's schema and a configured broker answers."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.db.migrations import alembic_config
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import Settings
from ordercenter.entrypoints.api.app import create_app
from tests.live_server import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
Serve = Callable[[Settings], TestClient]


def _redis_listens() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def serve(clock: ManualClock) -> Iterator[Serve]:
    """Build the app on given settings without migrating (as `serve` would find the database)."""
    containers: list[Container] = []
    clients: list[TestClient] = []

    def start(settings: Settings) -> TestClient:
        container = bootstrap(settings, clock=clock, migrate=False)
        containers.append(container)
        client = TestClient(create_app(container))
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for container in containers:
        container.engine.dispose()


def test_a_migrated_database_without_a_broker_is_ready(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "broker": "not configured",
                               "migrations": "current"}


def test_a_database_behind_the_code_s_migrations_is_not_ready_but_alive(
        sqlite_template: Path, tmp_path: Path, serve: Serve) -> None:
    # given: a copy of the migrated database stamped one revision before the head
    shutil.copyfile(sqlite_template, tmp_path / "ordercenter.db")
    settings = Settings(data_dir=tmp_path, secret_key="t" * 40)
    script = ScriptDirectory.from_config(alembic_config(settings.resolved_database_url))
    [head_id] = script.get_heads()
    head = script.get_revision(head_id)
    assert head is not None and isinstance(head.down_revision, str)
    container = bootstrap(settings, migrate=False)
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :older"), {"older": head.down_revision})
    container.engine.dispose()

    # when
    client = serve(settings)
    response = client.get("/readyz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "not_ready"
    assert body["error"]["field"] == "migrations"
    assert f"at {head.down_revision}, the code needs {head.revision}" in body["error"]["message"]
    assert "ordercenter db upgrade" in body["error"]["message"]
    assert body["checks"] == {"database": "ok", "migrations": "behind", "broker": "not configured"}
    assert client.get("/healthz").status_code == 200  # alive: nothing to restart, just not ready


def test_an_empty_database_is_not_ready(tmp_path: Path, serve: Serve) -> None:
    client = serve(Settings(data_dir=tmp_path, secret_key="t" * 40))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "missing"
    assert response.json()["error"]["field"] == "migrations"


def test_an_unreachable_database_is_not_ready(tmp_path: Path, serve: Serve) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    client = serve(Settings(data_dir=tmp_path, database_url=url, secret_key="t" * 40))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["field"] == "database"
    assert body["error"]["message"].startswith("database unreachable: ")
    assert body["checks"] == {"database": "unreachable", "migrations": "unknown", "broker": "not configured"}


@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_a_configured_broker_that_does_not_answer_makes_the_process_not_ready(
        settings: Settings, serve: Serve, scheme: str) -> None:
    broker_url = f"{scheme}://user:s3cr3t-pass@127.0.0.1:{free_port()}/0"
    client = serve(settings.model_copy(update={"broker_url": broker_url}))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["field"] == "broker"
    assert body["error"]["message"].startswith("broker unreachable: ")
    assert "s3cr3t-pass" not in response.text
    assert body["checks"] == {"database": "ok", "migrations": "current", "broker": "unreachable"}


def test_a_broker_url_of_an_unknown_kind_is_not_ready(settings: Settings, serve: Serve) -> None:
    client = serve(settings.model_copy(update={"broker_url": "kafka://127.0.0.1:9092"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["field"] == "broker"
    assert "redis://" in response.json()["error"]["message"]


@pytest.mark.skipif(not _redis_listens(), reason="no Redis listens on 127.0.0.1:6379")
def test_a_reachable_redis_broker_is_ok(settings: Settings, serve: Serve) -> None:
    client = serve(settings.model_copy(update={"broker_url": REDIS_URL}))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "broker": "ok", "migrations": "current"}
