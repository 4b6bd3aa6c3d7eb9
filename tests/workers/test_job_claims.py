"""Claims on periodic jobs: one run per period across processes, and a dead run's job taken over after its lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.entrypoints.worker import PeriodicJob, run_due_jobs
from ordercenter.services.job_claims import claim_due, finish, job_runs
from tests.factories import T0

EVERY, LEASE = 60.0, 30.0


def claim(container: Container, at_seconds: float, name: str = "sync") -> bool:
    return claim_due(container.session_factory, name, every_seconds=EVERY, lease_seconds=LEASE,
                     now=T0 + timedelta(seconds=at_seconds))


def test_two_claims_in_the_same_period_let_only_the_first_run(container: Container) -> None:
    assert claim(container, 0) is True
    finish(container.session_factory, "sync", started_at=T0)

    assert claim(container, 1) is False
    assert claim(container, EVERY - 1) is False
    assert [(r.name, r.run_count) for r in job_runs(container.session_factory)] == [("sync", 1)]


def test_a_job_is_claimable_again_once_its_period_elapsed(container: Container) -> None:
    assert claim(container, 0) is True
    finish(container.session_factory, "sync", started_at=T0)

    assert claim(container, EVERY) is True
    assert job_runs(container.session_factory)[0].run_count == 2


def test_a_run_still_holding_its_lease_keeps_the_job_even_when_the_next_period_came(container: Container) -> None:
    # given: a run that started and never finished (still running, or its worker died)
    assert claim(container, 0) is True

    # then: nobody takes it while the lease lasts, and anyone may once it ran out
    assert claim(container, LEASE - 1) is False
    assert claim(container, EVERY) is True


def test_a_crashed_runs_finish_never_frees_the_claim_of_the_worker_that_took_over(container: Container) -> None:
    assert claim(container, 0) is True
    assert claim(container, EVERY) is True  # the first worker's lease ran out: a second worker took the job

    finish(container.session_factory, "sync", started_at=T0, error="late answer of the first run")

    row = job_runs(container.session_factory)[0]
    assert row.lease_until == T0 + timedelta(seconds=EVERY + LEASE)
    assert row.last_error is None


def test_jobs_are_claimed_independently_of_each_other(container: Container) -> None:
    assert claim(container, 0, "sync") is True
    assert claim(container, 0, "send e-mails") is True
    assert claim(container, 1, "send e-mails") is False


@pytest.mark.postgres
def test_on_postgresql_a_claim_in_progress_elsewhere_is_skipped_without_waiting(container: Container) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite has one writer")
    assert claim(container, 0) is True
    finish(container.session_factory, "sync", started_at=T0)
    with container.engine.connect() as other:
        # given: another worker holds the row while it claims the job
        other.execute(text("SELECT name FROM job_runs WHERE name = 'sync' FOR UPDATE"))
        # then: this worker gives up at once instead of queueing behind it
        assert claim(container, EVERY) is False
        other.rollback()
    assert claim(container, EVERY) is True


def test_a_server_and_a_worker_on_one_database_run_each_job_once_per_period(container: Container) -> None:
    # given: two processes' worth of workers (the embedded one of `serve` and `ordercenter worker`)
    other = bootstrap(container.settings, clock=container.clock, migrate=False)
    runs: list[str] = []
    jobs_here = [PeriodicJob("count", EVERY, lambda c: runs.append("here"))]
    jobs_there = [PeriodicJob("count", EVERY, lambda c: runs.append("there"))]
    try:
        # when: both look at the same moment, twice in the period
        for tick in (0.0, 1.0):
            run_due_jobs(container, jobs_here, tick)
            run_due_jobs(other, jobs_there, tick)
            for job in jobs_here + jobs_there:
                job.last_run = float("-inf")  # each process believes the job is due: only the claim holds it
    finally:
        other.engine.dispose()

    # then
    assert runs == ["here"]
