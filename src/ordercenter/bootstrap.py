"""The composition root: the one place that knows which concrete adapters run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ordercenter.adapters.clock import SystemClock
from ordercenter.adapters.db.migrations import upgrade
from ordercenter.adapters.db.session import build_engine, build_session_factory
from ordercenter.adapters.ports import Clock
from ordercenter.adapters.secrets import SecretBox
from ordercenter.config import Settings
from ordercenter.services.uow import SqlAlchemyUnitOfWork, UnitOfWork


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    secrets: SecretBox

    def uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    @property
    def uow_factory(self) -> Callable[[], UnitOfWork]:
        return self.uow


def bootstrap(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Container:
    """Build every adapter from settings; migrate the database unless told not to."""
    engine = build_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    return Container(
        settings=settings,
        engine=engine,
        session_factory=build_session_factory(engine),
        clock=clock or SystemClock(),
        secrets=SecretBox(settings.resolved_secret_key()),
    )
