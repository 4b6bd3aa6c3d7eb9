"""Claims on periodic jobs: whichever worker claims a job first runs it, once per period, under a lease.

Every worker process (and the embedded worker of `ordercenter serve`) asks before running a job, so
duplicated schedule messages and any number of workers still run each job once per period. The
database decides, not the broker: a lost message is re-sent by the next tick, and a worker that dies
mid-run gives the job back when its lease runs out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from ordercenter.domain.job_runs import JobRun

# Error texts are kept short: the row says what went wrong, the log holds the traceback.
MAX_ERROR_LENGTH = 500


def _create_row_once(session: Session, name: str) -> None:
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(JobRun).values(name=name, run_count=0).on_conflict_do_nothing(index_elements=["name"]))


def claim_due(session_factory: sessionmaker[Session], name: str, *, every_seconds: float, lease_seconds: float,
              now: datetime) -> bool:
    """Claim `name` for this period if it is due and nobody holds it; True means: run it now."""
    due_before = now - timedelta(seconds=every_seconds)
    is_due = or_(JobRun.last_started_at.is_(None), JobRun.last_started_at <= due_before)
    is_free = or_(JobRun.lease_until.is_(None), JobRun.lease_until <= now)
    claimed = {"last_started_at": now, "lease_until": now + timedelta(seconds=lease_seconds),
               "run_count": JobRun.run_count + 1, "last_error": None}
    with session_factory() as session:
        _create_row_once(session, name)
        if session.get_bind().dialect.name == "postgresql":
            # Skip a row another worker is claiming right now: it is theirs for this period, no need to wait.
            row = session.execute(select(JobRun.name).where(JobRun.name == name, is_due, is_free)
                                  .with_for_update(skip_locked=True)).first()
            if row is None:
                session.rollback()
                return False
            session.execute(update(JobRun).where(JobRun.name == name).values(**claimed))
            session.commit()
            return True
        # SQLite has one writer at a time, so a conditional update is atomic on its own.
        result = session.execute(update(JobRun).where(JobRun.name == name, is_due, is_free).values(**claimed))
        session.commit()
        return bool(getattr(result, "rowcount", 0) == 1)


def finish(session_factory: sessionmaker[Session], name: str, *, started_at: datetime,
           error: str | None = None) -> None:
    """Give the job back (its lease ends now) and keep how its run ended."""
    with session_factory() as session:
        # Only our own claim: if our lease ran out and another worker claimed the job since, the row is theirs.
        session.execute(update(JobRun).where(JobRun.name == name, JobRun.last_started_at == started_at)
                        .values(lease_until=None, last_error=error[:MAX_ERROR_LENGTH] if error else None))
        session.commit()


def job_runs(session_factory: sessionmaker[Session]) -> list[JobRun]:
    """Every job's row, by name: what the operator and the tests read."""
    with session_factory() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.name)))
