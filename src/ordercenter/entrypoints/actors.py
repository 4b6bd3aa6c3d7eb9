"""Dramatiq actors: the same actors run on Redis workers (`ordercenter worker` with a broker) and in-process.

Each actor only says "do this now"; the work and its once-only guard live in the database (job claims for
periodic jobs, idempotency keys for supplier orders), so duplicated or lost messages change nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq

from ordercenter.adapters.broker import QUEUE
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import get_settings
from ordercenter.entrypoints.worker import PeriodicJob, run_claimed
from ordercenter.services.placement import place_orders

log = logging.getLogger(__name__)

_container: Container | None = None
_container_lock = threading.Lock()


def use_container(container: Container) -> None:
    """Make the actors of this process use an existing container (the CLI's) instead of building one."""
    global _container
    with _container_lock:
        _container = container


def actor_container() -> Container:
    """The process's container, built once from the settings on first use (a worker started by Dramatiq)."""
    global _container
    with _container_lock:
        if _container is None:
            _container = bootstrap(get_settings(), migrate=False)
        return _container


@dataclass(frozen=True)
class Actors:
    broker: dramatiq.Broker
    run_periodic_job: dramatiq.Actor[[str], None]
    place_supplier_orders: dramatiq.Actor[[int, list[int]], None]

    def enqueue_job(self, name: str) -> None:
        self.run_periodic_job.send(name)


def declare_actors(broker: dramatiq.Broker, jobs: list[PeriodicJob],
                   container: Callable[[], Container] = actor_container) -> Actors:
    """Register the actors on `broker` for these jobs."""
    by_name = {job.name: job for job in jobs}

    def run_periodic_job(name: str) -> None:
        job = by_name.get(name)
        if job is None:  # sent by a newer or older version of the worker
            log.warning("no periodic job named '%s'", name)
            return
        run_claimed(container(), job)

    def place_supplier_orders(shop_id: int, order_ids: list[int]) -> None:
        c = container()
        place_orders(c.uow(), c.supplier_resolver(shop_id), c.clock, shop_id=shop_id, order_ids=order_ids)

    # No Dramatiq retries: the next scheduler tick (or the reconciler of interrupted placements) tries again,
    # from the database, which a retried message would only duplicate.
    def declare(name: str) -> Any:
        return dramatiq.actor(actor_name=name, queue_name=QUEUE, broker=broker, max_retries=0)

    return Actors(broker=broker, run_periodic_job=declare("run_periodic_job")(run_periodic_job),
                  place_supplier_orders=declare("place_supplier_orders")(place_supplier_orders))
