"""Prometheus metrics: what the process counts as it works, and the backlog read from the database.

Two kinds of metric live here:
- process-wide ones (rate-limit waits, supplier errors, webhook apply lag): the limiters and clients
  that record them are shared by the whole process (`pacing.limiter_for`, `rate_limit.bucket_for`), so
  their counts are the process's. They are created unregistered and added to each app's registry.
- per-app ones (`RequestMetrics`, `DatabaseGauges`) in the registry that `build_registry` makes for one
  app: two apps in one process (the tests start many) never mix their request counts, and nothing goes
  to prometheus_client's global registry.

The database gauges are computed when Prometheus scrapes, with queries that read an index or the small
shops table, never a scan of orders or deliveries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Literal

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select

from ordercenter.adapters.ports import Clock
from ordercenter.domain.outbox import EmailStatus, OutboxEmail
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhooks import PENDING_STATUSES, WebhookDelivery

log = logging.getLogger(__name__)

RateLimitSide = Literal["shopify", "supplier"]

# Sync lag is labelled by shop domain; beyond this many shops only the furthest behind are shown, so a
# large installation cannot flood Prometheus with series.
SYNC_LAG_SHOP_LIMIT = 50

_WAIT_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_LAG_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

RATE_LIMIT_WAIT = Histogram(
    "ordercenter_rate_limit_wait_seconds",
    "Seconds a call waited for the client-side rate limiter before it was sent (every paced call observed)",
    ["side"], buckets=_WAIT_BUCKETS, registry=None)
SUPPLIER_ERRORS = Counter(
    "ordercenter_supplier_errors",
    "Errors answered by (or on the way to) the supplier platform, by kind",
    ["kind"], registry=None)
WEBHOOK_APPLY_LAG = Histogram(
    "ordercenter_webhook_apply_lag_seconds",
    "Seconds from a store webhook's arrival to the try that applied it",
    buckets=_LAG_BUCKETS, registry=None)
_PROCESS_WIDE: tuple[Collector, ...] = (RATE_LIMIT_WAIT, SUPPLIER_ERRORS, WEBHOOK_APPLY_LAG)


def rate_limit_waited(side: RateLimitSide, seconds: float) -> None:
    """Record one call's wait for a rate limiter (0 when it went at once)."""
    RATE_LIMIT_WAIT.labels(side=side).observe(max(0.0, seconds))


def supplier_error(kind: str) -> None:
    """Count one supplier error of `kind` (a SupplierErrorKind value)."""
    SUPPLIER_ERRORS.labels(kind=kind).inc()


def webhook_applied(received_at: datetime, applied_at: datetime) -> None:
    """Record how long a webhook waited between its arrival and the try that settled it."""
    WEBHOOK_APPLY_LAG.observe(max(0.0, (applied_at - received_at).total_seconds()))


class RequestMetrics:
    """HTTP requests of one app: a counter by method, route template and status, and their durations."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter("ordercenter_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=registry)
        self.duration = Histogram("ordercenter_http_request_duration_seconds",
                                  "Seconds from a request's arrival to the end of its answer",
                                  ["method", "route"], buckets=_REQUEST_BUCKETS, registry=registry)

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.duration.labels(method=method, route=route).observe(seconds)


class DatabaseGauges(Collector):
    """Work waiting in the database, read at scrape time: webhook backlog, e-mail outbox, sync lag per shop."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def describe(self) -> Iterable[Metric]:
        return []  # no queries when the collector is registered; names are known from collect()

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("ordercenter_database_up", "1 when the scrape could read the database, else 0")
        try:
            with self._engine.connect() as connection:
                metrics = list(self._read(connection, self._clock.now()))
        except Exception:  # noqa: BLE001  (a scrape must answer even when the database does not)
            log.warning("metrics: the database could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    def _read(self, connection: Connection, now: datetime) -> Iterator[Metric]:
        pending = sorted(PENDING_STATUSES)
        backlog = GaugeMetricFamily("ordercenter_webhook_backlog",
                                    "Store webhooks stored but not applied yet, by status", labels=["status"])
        counts = dict(connection.execute(
            select(WebhookDelivery.status, func.count()).where(WebhookDelivery.status.in_(pending))
            .group_by(WebhookDelivery.status)).all())
        for status in pending:
            backlog.add_metric([status.value], counts.get(status, 0))
        yield backlog

        # A delivery that gave up has no next try; its alert already told the merchant, so it does not
        # keep this age high forever.
        oldest = connection.execute(
            select(func.min(WebhookDelivery.received_at)).where(WebhookDelivery.status.in_(pending),
                                                                WebhookDelivery.next_attempt_at.is_not(None))
        ).scalar_one_or_none()
        age = GaugeMetricFamily("ordercenter_webhook_oldest_unapplied_age_seconds",
                                "Age of the oldest stored webhook still to be applied (0 when none)")
        age.add_metric([], _seconds_between(oldest, now))
        yield age

        waiting = connection.execute(
            select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == EmailStatus.PENDING)
        ).scalar_one()
        outbox = GaugeMetricFamily("ordercenter_email_outbox_waiting", "E-mails waiting in the outbox to be sent")
        outbox.add_metric([], waiting)
        yield outbox

        lag = GaugeMetricFamily("ordercenter_sync_lag_seconds",
                                "Seconds since the order sync watermark of each connected shop "
                                f"(the {SYNC_LAG_SHOP_LIMIT} furthest behind)", labels=["shop"])
        rows = connection.execute(
            select(Shop.domain, Shop.orders_synced_through)
            .where(Shop.uninstalled_at.is_(None), Shop.access_token_encrypted.is_not(None),
                   Shop.orders_synced_through.is_not(None))
            .order_by(Shop.orders_synced_through).limit(SYNC_LAG_SHOP_LIMIT)).all()
        for domain, synced_through in rows:
            lag.add_metric([domain], _seconds_between(synced_through, now))
        yield lag


def _seconds_between(earlier: datetime | None, now: datetime) -> float:
    return max(0.0, (now - earlier).total_seconds()) if earlier is not None else 0.0


def build_registry(engine: Engine, clock: Clock) -> tuple[CollectorRegistry, RequestMetrics]:
    """A registry for one app: its request metrics, the database gauges, the process-wide metrics and the
    standard process/Python collectors."""
    disable_created_metrics()  # type: ignore[no-untyped-call]  # `*_created` series double the output and no alert uses them
    registry = CollectorRegistry()
    for collector in (*_PROCESS_WIDE, PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    registry.register(DatabaseGauges(engine, clock))
    return registry, RequestMetrics(registry)
