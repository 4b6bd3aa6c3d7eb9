"""Bulk placements started from the pages, followed live while they run.

A run lives in the memory of the server process that started it, for an hour: the placement itself is
recorded in the database as always (supplier orders, timeline), so a run forgotten by a restart or
asked for on another process loses only the progress view, never a result.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ordercenter.services.placement import PlacementOutcome

log = logging.getLogger(__name__)

KEEP_SECONDS = 3600
MAX_RUNS = 200

Work = Callable[[Callable[[PlacementOutcome], None]], None]


@dataclass
class PlacementRun:
    id: str
    shop_id: int
    order_ids: tuple[int, ...]
    names: dict[int, str]
    started: float = field(default_factory=time.monotonic)
    results: dict[int, PlacementOutcome] = field(default_factory=dict)
    done: bool = False
    error: str | None = None  # the run stopped early: what went wrong, in words

    @property
    def placed(self) -> int:
        return sum(1 for r in self.results.values() if r.placed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.placed

    def rows(self) -> list[tuple[int, str, PlacementOutcome | None]]:
        """Each order of the run in the order it is placed, with its result once it has one."""
        return [(order_id, self.names.get(order_id, f"order {order_id}"), self.results.get(order_id))
                for order_id in self.order_ids]


class PlacementRuns:
    """The runs of this process, by id; a run is seen only by its own shop."""

    def __init__(self) -> None:
        self._runs: dict[str, PlacementRun] = {}
        self._lock = threading.Lock()

    def _new(self, shop_id: int, order_ids: Sequence[int], names: dict[int, str]) -> PlacementRun:
        run = PlacementRun(secrets.token_urlsafe(12), shop_id, tuple(order_ids), names)
        with self._lock:
            now = time.monotonic()
            for key in [k for k, r in self._runs.items() if now - r.started > KEEP_SECONDS]:
                del self._runs[key]
            while len(self._runs) >= MAX_RUNS:
                del self._runs[next(iter(self._runs))]
            self._runs[run.id] = run
        return run

    def get(self, shop_id: int, run_id: str) -> PlacementRun | None:
        with self._lock:
            run = self._runs.get(run_id)
        return run if run is not None and run.shop_id == shop_id else None

    @staticmethod
    def _execute(run: PlacementRun, work: Work) -> None:
        def record(outcome: PlacementOutcome) -> None:
            run.results[outcome.order_id] = outcome

        try:
            work(record)
        except Exception as exc:  # noqa: BLE001  (shown on the progress page; each placement is its own record)
            log.exception("bulk placement %s stopped", run.id)
            run.error = getattr(exc, "message", None) or f"the placement stopped: {exc.__class__.__name__}"
        finally:
            run.done = True

    def run_now(self, shop_id: int, order_ids: Sequence[int], names: dict[int, str], work: Work) -> PlacementRun:
        """Place in this request (the page without JavaScript waits for the whole result)."""
        run = self._new(shop_id, order_ids, names)
        self._execute(run, work)
        return run

    def start(self, shop_id: int, order_ids: Sequence[int], names: dict[int, str], work: Work) -> PlacementRun:
        """Place in the background; the progress page polls the run."""
        run = self._new(shop_id, order_ids, names)
        threading.Thread(target=self._execute, args=(run, work), name=f"placement-{run.id}", daemon=True).start()
        return run
