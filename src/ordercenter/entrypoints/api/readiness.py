"""GET /readyz: may this process take traffic? Its database answers at the code's schema, its broker answers.

/healthz says the process is alive (restart it if not); /readyz says whether to send it requests. A
process started against a database that was not upgraded yet is alive but not ready.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from ordercenter.adapters.db.migrations import alembic_config
from ordercenter.bootstrap import Container
from ordercenter.entrypoints.api.errors import error_body

BROKER_TIMEOUT_SECONDS = 2.0
NOT_CONFIGURED = "not configured"

router = APIRouter(tags=["health"])


class ReadinessPublic(BaseModel):
    status: str  # ready
    database: str  # ok
    broker: str  # ok | not configured
    migrations: str  # current


@dataclass(frozen=True)
class PartState:
    """One part's answer: its state word, and what to do about it when it is not ready."""

    state: str
    problem: str | None = None


@dataclass
class ReadinessProbe:
    """The checks, with what never changes while the process runs (the code's migration heads) read once."""

    engine: Engine
    broker_url: str | None
    heads: frozenset[str]
    known: frozenset[str]
    _redis: redis.Redis | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, container: Container) -> ReadinessProbe:
        script = ScriptDirectory.from_config(alembic_config(container.engine.url.render_as_string()))
        return cls(container.engine, container.settings.broker_url, frozenset(script.get_heads()),
                   frozenset(r.revision for r in script.walk_revisions()))

    def check(self) -> dict[str, PartState]:
        """The database (with its schema revision) and the broker, each checked once."""
        try:
            with self.engine.connect() as connection:
                # One row in alembic_version: no table scan, and it proves the database answers.
                current = frozenset(MigrationContext.configure(connection).get_current_heads())
        except Exception as exc:  # noqa: BLE001  (any failure means not ready)
            database = PartState("unreachable", f"database unreachable: {exc.__class__.__name__}")
            migrations = PartState("unknown")
        else:
            database, migrations = PartState("ok"), self._migrations(current)
        return {"database": database, "migrations": migrations, "broker": self._broker()}

    def _migrations(self, current: frozenset[str]) -> PartState:
        if current == self.heads:
            return PartState("current")
        need = ", ".join(sorted(self.heads))
        if not current:
            return PartState("missing", f"the database has no schema; the code needs {need}: "
                                        "run 'ordercenter db upgrade'")
        at = ", ".join(sorted(current))
        if current <= self.known:
            return PartState("behind", f"the database schema is at {at}, the code needs {need}: "
                                       "run 'ordercenter db upgrade'")
        return PartState("unknown revision", f"the database schema is at {at}, which this code does not know "
                                             f"(it needs {need}): a newer Order Center migrated it")

    def _broker(self) -> PartState:
        if not self.broker_url:
            return PartState(NOT_CONFIGURED)
        scheme, _, _ = self.broker_url.partition("://")
        try:
            if scheme in ("redis", "rediss"):
                if self._redis is None:
                    self._redis = redis.Redis.from_url(self.broker_url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
                                                       socket_timeout=BROKER_TIMEOUT_SECONDS)
                self._redis.ping()
            elif scheme in ("amqp", "amqps"):
                url = make_url(self.broker_url)
                port = url.port or (5671 if scheme == "amqps" else 5672)
                with socket.create_connection((url.host or "localhost", port), timeout=BROKER_TIMEOUT_SECONDS):
                    pass  # a broker that accepts the connection is up; Dramatiq speaks the protocol itself
            else:
                return PartState("unsupported", "ORDERCENTER_BROKER_URL must start with redis://, rediss:// "
                                                "or amqp://")
        except Exception as exc:  # noqa: BLE001  (the URL may hold a password: only the kind of error is told)
            return PartState("unreachable", f"broker unreachable: {exc.__class__.__name__}")
        return PartState("ok")


def _probe(request: Request) -> ReadinessProbe:
    probe: ReadinessProbe | None = getattr(request.app.state, "readiness", None)
    if probe is None:
        probe = request.app.state.readiness = ReadinessProbe.of(request.app.state.container)
    return probe


@router.get("/readyz", response_model=ReadinessPublic, summary="Ready for traffic",
            responses={503: {"description": "not ready: `error.field` names the failing part (database, "
                                            "migrations or broker), `checks` the state of each"}})
def readyz(request: Request) -> ReadinessPublic | JSONResponse:
    parts = _probe(request).check()
    states = {name: part.state for name, part in parts.items()}
    problems = {name: part.problem for name, part in parts.items() if part.problem}
    if problems:
        # `field` names the first failing part; the message tells every problem, `checks` every state.
        body: dict[str, Any] = error_body("not_ready", "; ".join(problems.values()), next(iter(problems)))
        body["checks"] = states
        return JSONResponse(body, status_code=503)
    return ReadinessPublic(status="ready", **states)
