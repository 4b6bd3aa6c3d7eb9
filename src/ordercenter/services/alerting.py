"""Raising and clearing alerts inside the caller's transaction: the row, the timeline entry, the e-mail.

Every rule that finds something needing a person (supplier-order rules, an undecided cancellation,
an overdue refund, an unanswered customer, a silent seller) goes through `settle_alerts`, so an alert
is raised once per subject and kind, e-mailed to the merchant once, and cleared when it stops holding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from ordercenter.domain import audit
from ordercenter.domain.alerts import Alert, AlertKind, shop_subject
from ordercenter.domain.outbox import EmailKind
from ordercenter.services.outbox import notify_merchant
from ordercenter.services.uow import UnitOfWork


def _alert_email(order_name: str, message: str, public_path: str) -> str:
    return (f"Order {order_name} needs you: {message}.\n\n"
            f"Open the order in Order Center ({public_path}) to act on it.\n\n"
            "You receive this e-mail because alerts are switched on for this shop.")


def settle_alerts(uow: UnitOfWork, *, shop_id: int, order_id: int, subject: str, holding: Mapping[AlertKind, str],
                  managed: Collection[AlertKind], now: datetime,
                  supplier_order_id: int | None = None) -> tuple[list[str], list[str]]:
    """Raise the `holding` alerts not open yet, and clear the open `managed` ones that no longer hold.

    Returns the kinds raised and the kinds resolved. Only the `managed` kinds are ever cleared here,
    so rules that share a subject do not clear each other's alerts.
    """
    open_alerts = {a.kind: a for a in uow.alerts.open_for_subject(shop_id, subject)}
    raised, resolved = [], []
    order = None
    for kind, message in holding.items():
        if kind in open_alerts:
            open_alerts[kind].message = message  # keep counts of days and hours current
            continue
        alert = uow.alerts.add(Alert(shop_id=shop_id, order_id=order_id, supplier_order_id=supplier_order_id,
                                     subject=subject, kind=kind, message=message, raised_at=now))
        uow.events.add(audit.alert_raised(shop_id, order_id, now, supplier_order_id=supplier_order_id,
                                          kind=kind.value, message=message))
        uow.flush()
        order = order or uow.orders.get(shop_id, order_id)
        name = order.name if order else f"id {order_id}"
        notify_merchant(uow, shop_id=shop_id, kind=EmailKind.ALERT, order_id=order_id, now=now,
                        subject=f"Order {name}: {message[:90]}",
                        text=_alert_email(name, message, f"/orders/{order_id}"), dedupe_key=f"alert:{alert.id}")
        raised.append(kind.value)
    for kind, alert in open_alerts.items():
        if kind in managed and kind not in holding:
            alert.resolve(now)
            uow.events.add(audit.alert_resolved(shop_id, order_id, now, supplier_order_id=supplier_order_id,
                                                kind=kind.value))
            resolved.append(kind.value)
    return raised, resolved


def raise_shop_alert(uow: UnitOfWork, *, shop_id: int, kind: AlertKind, message: str, email_subject: str,
                     email_text: str, now: datetime) -> bool:
    """Raise an alert about the shop itself (no order) and e-mail the merchant, once while it stays open.

    Returns True when it was raised now. The caller commits.
    """
    return raise_subject_alert(uow, shop_id=shop_id, subject=shop_subject(shop_id), kind=kind, message=message,
                               email_subject=email_subject, email_text=email_text, now=now)


def resolve_shop_alert(uow: UnitOfWork, *, shop_id: int, kind: AlertKind, now: datetime) -> bool:
    """Clear the open alert of this kind about the shop, if any (the caller commits)."""
    return resolve_subject_alert(uow, shop_id=shop_id, subject=shop_subject(shop_id), kind=kind, now=now)


def raise_subject_alert(uow: UnitOfWork, *, shop_id: int, subject: str, kind: AlertKind, message: str,
                        email_subject: str, email_text: str, now: datetime) -> bool:
    """Raise an alert about a subject with no order (the shop, a supplier account) and e-mail the merchant,
    once while it stays open; an open one gets the newest message. True when raised now; the caller commits."""
    open_alert = next((a for a in uow.alerts.open_for_subject(shop_id, subject) if a.kind == kind), None)
    if open_alert is not None:
        open_alert.message = message
        return False
    alert = uow.alerts.add(Alert(shop_id=shop_id, subject=subject, kind=kind, message=message, raised_at=now))
    uow.flush()
    notify_merchant(uow, shop_id=shop_id, kind=EmailKind.ACCOUNT, subject=email_subject, text=email_text, now=now,
                    dedupe_key=f"alert:{alert.id}")
    return True


def resolve_subject_alert(uow: UnitOfWork, *, shop_id: int, subject: str, kind: AlertKind, now: datetime) -> bool:
    """Clear the open alert of this kind about the subject, if any (the caller commits)."""
    resolved = False
    for alert in uow.alerts.open_for_subject(shop_id, subject):
        if alert.kind == kind:
            alert.resolve(now)
            resolved = True
    return resolved
