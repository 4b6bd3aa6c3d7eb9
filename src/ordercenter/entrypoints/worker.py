"""Background work: periodic jobs re-derived from the database, so a lost job loses nothing.

The embedded default runs this loop in a thread of the web server; `ordercenter worker` runs it alone, or,
with a broker, sends each due job to the Dramatiq workers (entrypoints/actors.py). Either way a job runs
only under a claim in the database (services/job_claims.py): once per period across every process.
A shop whose app is uninstalled is left alone by every job but two: its webhooks and its privacy requests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from ordercenter.adapters.notify import SmtpAddress
from ordercenter.bootstrap import Container
from ordercenter.services import (
    after_sale_sync,
    cancellation,
    cancellation_refunds,
    customer_refunds,
    deadlines,
    job_claims,
    outbox,
    polling,
    privacy,
    returns,
    store_tokens,
    supplier_messages,
    suppliers,
    webhook_intake,
)
from ordercenter.services.store_sync import sync_orders

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[Container], object]
    last_run: float = float("-inf")
    # How long a run may hold the job before another worker may take it over (the holder died).
    lease_seconds: float = 600.0


def apply_pending_webhooks(container: Container) -> int:
    """Webhooks due for a try: the process died between the answer and the work, or a try failed (backoff)."""
    return webhook_intake.process_pending(container.uow(), container.webhook_codec, now=container.clock.now(),
                                          max_attempts=container.settings.webhook_max_attempts)


def sync_connected_shops(container: Container) -> int:
    """The incremental order sync of every connected shop: catches what webhooks missed."""
    with container.uow() as uow:
        shops = [s for s in uow.shops.all() if s.is_connected]
    synced = 0
    for shop in shops:
        try:
            sync_orders(container.uow(), container.store_for(shop), container.clock, shop_id=shop.id)
            synced += 1
        except Exception:  # one store's outage must not stop the others
            log.exception("order sync of %s failed", shop.domain)
    return synced


def refresh_store_tokens(container: Container) -> int:
    """Expiring store access tokens refreshed before they run out; a refused refresh asks for a new install."""
    return store_tokens.refresh_expiring_tokens(container.uow(), container.store_token_refresher, container.secrets,
                                                container.clock.now(),
                                                public_url=container.settings.public_url).refreshed


def refresh_supplier_tokens(container: Container) -> int:
    """Supplier access tokens about to expire, refreshed before any order call finds them dead."""
    return suppliers.refresh_due_tokens(container.uow(), container.secrets, container.supplier_authorizer,
                                        container.clock.now())


def send_reauthorization_alerts(container: Container) -> int:
    """Tell the staff, once, when a supplier account must be authorized again within a week."""
    return suppliers.reauthorization_alerts(container.uow(), container.notifier, container.clock.now(),
                                            public_url=container.settings.public_url)


def poll_supplier_orders(container: Container) -> int:
    """Supplier orders due for a look: status, tracking pushed to the store, alerts (services/polling.py)."""
    with polling.clients(container.uow(), container.supplier_for, container.store_for) as (supplier_for, store_for):
        return polling.poll_due(container.uow(), supplier_for, store_for, container.clock, limit=50)


def reconcile_interrupted_placements(container: Container) -> int:
    """Placements whose process died between the supplier's answer and our commit: asked, never repeated."""
    from ordercenter.services.placement import reconcile_drafts

    with container.uow() as uow:
        shop_ids = uow.shops.installed_ids()
    attention_after = timedelta(minutes=container.settings.placement_attention_minutes)
    settled = 0
    for shop_id in shop_ids:
        settled += reconcile_drafts(container.uow(), container.supplier_resolver(shop_id), container.clock,
                                    shop_id=shop_id, attention_after=attention_after)
    return settled


def link_duplicates(container: Container) -> int:
    """Copies of orders fulfilled by mistake that arrived by webhook or sync: linked to their originals."""
    from ordercenter.services.duplicates import link_pending_duplicates

    with container.uow() as uow:
        shop_ids = uow.shops.installed_ids()
    return sum(len(link_pending_duplicates(container.uow(), shop_id=shop_id, at=container.clock.now()))
               for shop_id in shop_ids)


def follow_after_sale(container: Container) -> int:
    """Open cancellations, disputes and messages at suppliers that answer by API (services/after_sale_sync.py)."""
    with polling.clients(container.uow(), container.supplier_for, container.store_for) as (supplier_for, store_for):
        return after_sale_sync.follow_open_requests(container.uow(), supplier_for, store_for, container.clock)


def scan_after_sale_alerts(container: Container) -> int:
    """Time-based after-sale alerts: undecided cancellations, overdue refunds, unanswered customers, silent sellers."""
    uow, clock = container.uow, container.clock
    return (cancellation.scan_undecided(uow(), clock) + returns.scan_overdue_refunds(uow(), clock)
            + customer_refunds.scan_unanswered(uow(), clock) + supplier_messages.scan_silent_suppliers(uow(), clock))


def finish_store_cancellations(container: Container) -> int:
    """Approved cancellations whose store cancellation a crash interrupted (services/cancellation_refunds.py)."""
    with polling.clients(container.uow(), container.supplier_for, container.store_for) as (_, store_for):
        return cancellation_refunds.resume_follow_ups(container.uow(), store_for, container.clock)


def send_daily_digests(container: Container) -> int:
    """Each shop's daily digest of deadlines, queued once a day."""
    return deadlines.send_daily_digest(container.uow(), container.clock)


def send_emails(container: Container) -> int:
    """The e-mail outbox: due e-mails handed to the SMTP server (or the log), retried with back-off."""
    default_sender = SmtpAddress.parse(container.settings.smtp_url).sender if container.settings.smtp_url else None
    report = outbox.send_due(container.uow(), container.notifier, container.clock, default_sender=default_sender)
    return report.sent


def complete_privacy_requests(container: Container) -> int:
    """The store's privacy requests, recorded from their webhooks: data files written, erasures done. Runs for
    uninstalled shops too (shop/redact arrives 48 hours after the uninstall)."""
    return privacy.complete_due(container.uow(), container.file_store, container.clock,
                                public_url=container.settings.public_url)


def default_jobs(sync_every_seconds: float = 600.0, period_scale: float = 1.0) -> list[PeriodicJob]:
    """Every periodic job; `period_scale` shortens all periods and leases alike (tests, demos)."""
    jobs = [
        PeriodicJob("apply pending webhooks", 5.0, apply_pending_webhooks),
        PeriodicJob("privacy requests", 5.0, complete_privacy_requests),
        PeriodicJob("sync connected shops", sync_every_seconds, sync_connected_shops),
        PeriodicJob("store token refresh", 300.0, refresh_store_tokens),
        PeriodicJob("refresh supplier tokens", 300.0, refresh_supplier_tokens),
        PeriodicJob("send re-authorization alerts", 3600.0, send_reauthorization_alerts),
        PeriodicJob("poll supplier orders", 60.0, poll_supplier_orders),
        PeriodicJob("settle interrupted placements", 60.0, reconcile_interrupted_placements),
        PeriodicJob("link duplicated orders", 60.0, link_duplicates),
        PeriodicJob("follow after-sale requests", 60.0, follow_after_sale),
        PeriodicJob("after-sale alerts", 300.0, scan_after_sale_alerts),
        PeriodicJob("finish store cancellations", 300.0, finish_store_cancellations),
        PeriodicJob("daily digests", 3600.0, send_daily_digests),
        PeriodicJob("send e-mails", 5.0, send_emails),
    ]
    # A lease of a period (a minute at least) outlasts a normal run and lets a dead worker's job go soon.
    return [replace(job, every_seconds=job.every_seconds * period_scale,
                    lease_seconds=max(job.every_seconds, 60.0) * period_scale) for job in jobs]


def run_claimed(container: Container, job: PeriodicJob) -> bool:
    """Run the job if this process wins its claim for the period; False when it was not due or not ours."""
    started_at = container.clock.now()
    if not job_claims.claim_due(container.session_factory, job.name, every_seconds=job.every_seconds,
                                lease_seconds=job.lease_seconds, now=started_at):
        return False
    log.info("periodic job '%s' started at %s", job.name, started_at.isoformat())
    error: str | None = None
    try:
        job.run(container)
    except Exception as exc:
        log.exception("background job '%s' failed", job.name)
        error = f"{type(exc).__name__}: {exc}"
    job_claims.finish(container.session_factory, job.name, started_at=started_at, error=error)
    return True


def due_jobs(jobs: list[PeriodicJob], now: float) -> list[PeriodicJob]:
    """The jobs whose period elapsed since this process last looked (the claim still decides who runs)."""
    due = [job for job in jobs if now - job.last_run >= job.every_seconds]
    for job in due:
        job.last_run = now
    return due


def run_due_jobs(container: Container, jobs: list[PeriodicJob], now: float) -> None:
    for job in due_jobs(jobs, now):
        try:
            run_claimed(container, job)
        except Exception:  # the database itself failed: try again next period
            log.exception("background job '%s' could not be claimed", job.name)


def run_scheduler(jobs: list[PeriodicJob], enqueue: Callable[[str], None], stop: threading.Event,
                  tick_seconds: float = 1.0) -> None:
    """Send every job whose period elapsed to the workers until `stop` is set; every worker process runs one,
    and the duplicates are harmless because the claim decides who runs."""
    down_since: float | None = None
    while not stop.is_set():
        due = due_jobs(jobs, time.monotonic())
        for index, job in enumerate(due):
            try:
                enqueue(job.name)
            except Exception:  # the broker is down: ask again on the next tick, nothing is lost meanwhile
                for unsent in due[index:]:
                    unsent.last_run = float("-inf")
                # One line per outage, not one per job and tick (a hundred tracebacks a second otherwise);
                # and no other job tried this tick, so a broker that hangs costs one timeout, not fourteen.
                if down_since is None:
                    down_since = time.monotonic()
                    log.exception("could not send '%s' to the broker; asking again every tick until it answers",
                                  job.name)
                break
            if down_since is not None:
                log.warning("the broker answers again after %.1f s; the jobs it missed are sent now",
                            time.monotonic() - down_since)
                down_since = None
        stop.wait(tick_seconds)


def scheduler_tick(jobs: list[PeriodicJob]) -> float:
    """A tick short enough for the shortest period (a second at the real periods)."""
    return min([1.0] + [job.every_seconds / 4 for job in jobs])


def run_worker(container: Container, stop: threading.Event, jobs: list[PeriodicJob] | None = None,
               tick_seconds: float = 1.0) -> None:
    """Run the jobs until `stop` is set."""
    jobs = jobs if jobs is not None else default_jobs()
    while not stop.is_set():
        run_due_jobs(container, jobs, time.monotonic())
        stop.wait(tick_seconds)


def start_in_thread(container: Container, jobs: list[PeriodicJob] | None = None) -> threading.Event:
    """The in-process worker of the embedded default; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_worker, args=(container, stop, jobs), name="ordercenter-worker",
                     daemon=True).start()
    return stop
