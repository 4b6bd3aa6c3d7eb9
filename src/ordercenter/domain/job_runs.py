"""The periodic jobs' bookkeeping: one row per job name, so any number of workers run each job once per period.

A system table, not tenant data: it carries no shop because a job sweeps every shop.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base


class JobRun(Base):
    """When a periodic job last started, who may run it now (the lease), and how its last run ended."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(default=None)
    # A run holds the job until this time; a worker that died mid-run lets it go when it passes.
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    run_count: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(default=None)
