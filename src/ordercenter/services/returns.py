"""Return/refund requests (disputes) with the supplier: open with evidence, follow to the refund.

Opening checks everything first (the supplier order has shipped, its buyer protection is open, no
other request is open, the amount is at most what was paid, the evidence is real photos or videos
within the limits), so refused input writes no file and no row. The request is then committed as
`submitted` and, with a supplier that takes disputes by API, the dispute is opened outside the
transaction and the answer recorded (`under_review`). With real AliExpress it is assisted: the
request carries the steps and the order page, and a person records what the supplier decided.
Every change writes the timeline and refreshes the order's stage; each supplier decision queues one
merchant e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from ordercenter.adapters.aliexpress.assisted import instructions, order_page_url
from ordercenter.adapters.file_store import evidence_key
from ordercenter.adapters.ports import AfterSaleAction, Clock, FileStore, SupplierError, SupplierErrorKind
from ordercenter.adapters.supplier_after_sale import DisputeKind, DisputeRequest, DisputeTicket, SupplierAfterSale
from ordercenter.domain import audit
from ordercenter.domain import return_rules as rules
from ordercenter.domain.alerts import AlertKind, request_subject
from ordercenter.domain.errors import NotFound
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.evidence import EvidenceLimits, check_evidence
from ordercenter.domain.money import Money
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.policies import ProtectionRules
from ordercenter.domain.protection import payment_method_of, refund_eta
from ordercenter.domain.returns import ReturnKind, ReturnRequest
from ordercenter.domain.status import ActorKind, CancellationStatus, ReturnStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.domain.suppliers import SupplierAccount
from ordercenter.services.alerting import settle_alerts
from ordercenter.services.outbox import notify_merchant
from ordercenter.services.placement_planning import SupplierResolver
from ordercenter.services.stage_refresh import refresh_stage
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

RS = ReturnStatus
OVERDUE = frozenset({AlertKind.REFUND_OVERDUE})
SCAN_LIMIT = 500
_DECISIONS = (RS.APPROVED, RS.REJECTED, RS.REFUNDED)


def protection_rules(account: SupplierAccount | None) -> ProtectionRules:
    """The supplier account's buyer-protection rules (the platform defaults without an account)."""
    if account is None:
        return ProtectionRules()
    return ProtectionRules(account.protection_days, account.days_after_delivery)


def label_of(so: SupplierOrder) -> str:
    """How the merchant knows a supplier order: the supplier's number, else ours."""
    return so.supplier_order_id or str(so.id)


def return_subject(request: ReturnRequest) -> str:
    return request_subject("return", request.id)


# ---------------------------------------------------------------- moving a request, inside a transaction


def note_event(uow: UnitOfWork, request: ReturnRequest, at: datetime, message: str, *,
               actor: ActorKind = ActorKind.SYSTEM, actor_id: str | None = None, **parameters: object) -> None:
    """A timeline row about the request that is not a status change (an escalation, a supplier silence)."""
    uow.events.add(audit.order_event(request.shop_id, request.order_id, audit.OrderEventType.RETURN_STATUS_CHANGED,
                                     at, message, actor, actor_id, entity_id=request.id,
                                     status=request.status.value, **parameters))


def expect_refund(request: ReturnRequest, issued_at: datetime) -> None:
    """The refund's expected arrival: business days for the payment method in the payer's country."""
    eta = refund_eta(payment_method_of(request.payment_method), request.payer_country, now=issued_at,
                     issued_at=issued_at)
    request.refund_expected_from, request.refund_expected_by = eta.window.earliest, eta.window.latest


def _step_reason(request: ReturnRequest, step: ReturnStatus, by: str, note: str | None) -> str:
    words = f": {note}" if note else ""
    amount = Money(request.amount_refunded if request.amount_refunded is not None else request.amount_requested,
                   request.currency).rounded()
    reasons = {
        RS.UNDER_REVIEW: (f"escalated: the platform reviews the dispute {request.supplier_dispute_id or ''}".strip()
                          if request.escalated_at else
                          f"opened at the supplier as dispute {request.supplier_dispute_id}"
                          if request.supplier_dispute_id else "opened on the supplier's site"),
        RS.APPROVED: f"accepted by the {by}{words}",
        RS.AWAITING_RETURN: "send the goods back" + (f" to {request.return_address}" if request.return_address else "")
        + (f" by {request.return_ship_by.isoformat()}" if request.return_ship_by else ""),
        RS.RETURN_SHIPPED: f"returned with tracking {request.return_tracking_number or 'unknown'}",
        RS.REFUND_PENDING: f"refund of {amount} issued, expected between "
        f"{request.refund_expected_from} and {request.refund_expected_by}",
        RS.REFUNDED: f"{amount} refunded",
        RS.REJECTED: f"refused by the {by}{words}",
        RS.CLOSED: f"closed{words}",
        RS.WITHDRAWN: f"dropped by the merchant{words}",
    }
    return reasons.get(step, step.value)


def _decision_email(request: ReturnRequest, order: Order, label: str, decision: ReturnStatus) -> tuple[str, str]:
    asked = request.requested.rounded()
    refund = Money(request.amount_refunded if request.amount_refunded is not None else request.amount_requested,
                   request.currency).rounded()
    head = f"Order {order.name}: return/refund request {request.id} (supplier order {label})"
    if decision is RS.APPROVED:
        lines = [f"The supplier accepted your return/refund request {request.id} for supplier order {label} "
                 f"(order {order.name}), asking {asked}."]
        if request.kind is ReturnKind.RETURN_AND_REFUND:
            lines.append("Send the goods back" + (f" to:\n{request.return_address}" if request.return_address else "")
                         + (f"\nby {request.return_ship_by.isoformat()}" if request.return_ship_by else "") + ".")
            if request.return_label_url:
                lines.append(f"Return label: {request.return_label_url}")
            lines.append("Then record the return's tracking number in Order Center.")
        if request.refund_expected_by:
            lines.append(f"The refund of {refund} is expected between {request.refund_expected_from} and "
                         f"{request.refund_expected_by}.")
        return f"{head} accepted", "\n\n".join(lines)
    if decision is RS.REJECTED:
        why = f" Their words: {request.decision_note}" if request.decision_note else ""
        after = ("The platform's decision after the escalation is final; close the request."
                 if request.escalated_at else
                 "You can escalate it to the platform, which decides, or close it.")
        return f"{head} refused", (f"The supplier refused your return/refund request {request.id} for supplier order "
                                   f"{label} (order {order.name}).{why}\n\n{after}")
    return f"{head} refunded", (f"The supplier refunded {refund} for return/refund request {request.id} "
                                f"(supplier order {label}, order {order.name}). Nothing more to do.")


def move_request(uow: UnitOfWork, request: ReturnRequest, order: Order, steps: Sequence[ReturnStatus], *,
                 now: datetime, label: str, actor: ActorKind, actor_id: str | None = None, by: str = "seller",
                 note: str | None = None, notify: bool = True) -> bool:
    """Take the request through `steps` (each checked by the table), then write the timeline, refresh the
    stage, e-mail the supplier's decisions once each and settle the overdue-refund alert."""
    for step in steps:
        if step is RS.REFUND_PENDING:
            expect_refund(request, now)
        if step is RS.REFUNDED:
            request.refund_arrived_at = request.refund_arrived_at or now
        if step in (RS.APPROVED, RS.REFUND_PENDING, RS.REFUNDED) and request.amount_refunded is None:
            request.amount_refunded = request.amount_requested
        request.transition_to(step, at=now, reason=_step_reason(request, step, by, note))
    for change in request.collect_events():
        if isinstance(change, StatusChanged):
            uow.events.add(audit.status_changed(request.shop_id, request.order_id, change, actor, actor_id))
    if not steps:
        return False
    refresh_stage(uow, order, at=now)
    if notify:
        for decision in (d for d in _DECISIONS if d in steps):
            subject, text = _decision_email(request, order, label, decision)
            final = ":after-escalation" if decision is RS.REJECTED and request.escalated_at else ""
            notify_merchant(uow, shop_id=request.shop_id, kind=EmailKind.DECISION, subject=subject, text=text,
                            now=now, order_id=order.id, dedupe_key=f"return:{request.id}:{decision.value}{final}")
    if RS.REFUND_PENDING in steps or not request.is_open:
        settle_alerts(uow, shop_id=request.shop_id, order_id=request.order_id, subject=return_subject(request),
                      holding={}, managed=OVERDUE, now=now, supplier_order_id=request.supplier_order_id)
    return True


def apply_ticket(uow: UnitOfWork, request: ReturnRequest, order: Order, ticket: DisputeTicket, *, now: datetime,
                 label: str) -> bool:
    """Record what the supplier says of the request's dispute; True when anything changed."""
    changed = False
    if request.supplier_dispute_id is None:
        request.supplier_dispute_id, changed = ticket.dispute_id, True
    if request.supplier_status != ticket.status:
        request.supplier_status, changed = ticket.status, True
    if ticket.status.upper() == rules.ARBITRATION and request.escalated_at is None:
        request.escalated_at, changed = now, True  # escalated on the supplier's side
    target = rules.supplier_target(ticket.status, decided_by=ticket.decided_by)
    steps = rules.route_to(request.kind, request.status, target) if target is not None else []
    if ticket.return_instructions and (RS.AWAITING_RETURN in steps or request.return_instructions is None):
        address, ship_by = rules.parse_return_instructions(ticket.return_instructions)
        request.return_instructions = ticket.return_instructions
        request.return_address = address or request.return_address
        request.return_ship_by = ship_by or request.return_ship_by
        changed = True
    if ticket.refund_amount is not None and ticket.refund_amount.currency == request.currency \
            and request.amount_refunded != ticket.refund_amount.amount:
        request.amount_refunded, changed = ticket.refund_amount.amount, True
    if any(step in (RS.APPROVED, RS.REJECTED) for step in steps):
        request.decision_note = ticket.note or request.decision_note
    by = ticket.decided_by or ("platform" if request.escalated_at else "seller")
    moved = move_request(uow, request, order, steps, now=now, label=label, actor=ActorKind.SUPPLIER, by=by,
                         note=ticket.note or None)
    return changed or moved


# ---------------------------------------------------------------- opening


def _opened_event(request: ReturnRequest, label: str, actor_id: str | None) -> audit.OrderEvent:
    files = len(request.evidence_keys)
    return audit.order_event(
        request.shop_id, request.order_id, audit.OrderEventType.RETURN_OPENED, request.opened_at,
        f"Return/refund request {request.id} opened for supplier order {label}: {request.kind.value.replace('_', ' ')}"
        f", {request.reason.value.replace('_', ' ')}, asking {request.requested.rounded()}"
        f" ({files} evidence file{'s' if files != 1 else ''})",
        ActorKind.STAFF if actor_id else ActorKind.SYSTEM, actor_id, entity_id=request.id, kind=request.kind.value,
        reason=request.reason.value, amount=str(request.amount_requested), currency=request.currency,
        evidence=files, assisted=request.assisted)


def open_return(uow: UnitOfWork, resolve: SupplierResolver, files: FileStore, clock: Clock, limits: EvidenceLimits,
                *, shop_id: int, supplier_order_id: int, kind: str, reason: str, amount: object, description: str,
                evidence: Sequence[tuple[str, bytes]], actor_id: str | None = None,
                payer_country: str | None = None) -> ReturnRequest:
    """Open a return/refund request with evidence; with a supplier that takes disputes by API, open the
    dispute too (then the request is `under_review`), else the request holds the steps to do it by hand."""
    kind_, reason_ = rules.parse_kind(kind), rules.parse_reason(reason)
    rules.check_kind_fits_reason(kind_, reason_)
    text = rules.check_description(reason_, description)
    payer = rules.parse_country(payer_country)
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        if so is None:
            raise NotFound(f"no supplier order with id {supplier_order_id}", field="supplier_order_id")
        account_id = so.supplier_account_id
    _, supplier = resolve(account_id)
    by_api = isinstance(supplier, SupplierAfterSale) and AfterSaleAction.OPEN_DISPUTE in supplier.capabilities
    now = clock.now()
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        order = uow.orders.get(shop_id, so.order_id, for_update=True) if so else None
        if so is None or order is None:
            raise NotFound(f"no supplier order with id {supplier_order_id}", field="supplier_order_id")
        label = label_of(so)
        rules.check_can_open(so.status, label)
        account = uow.supplier_accounts.get(shop_id, so.supplier_account_id) if so.supplier_account_id else None
        rules.check_window_open(now, so.placed_at or so.created_at, protection_rules(account),
                                so.delivered_at or so.completed_at)
        earlier = uow.returns.for_supplier_order(shop_id, so.id, for_update=True)
        rules.check_no_other_request(r.id for r in earlier if r.is_open or r.status is RS.REJECTED)
        recovered = [Money(r.amount_refunded, r.currency) for r in earlier
                     if r.status is RS.REFUNDED and r.amount_refunded is not None and r.currency == so.currency]
        asked = rules.parse_requested_amount(amount, rules.refundable(so.cost, recovered))
        accepted = check_evidence(evidence, limits, required=rules.needs_evidence(reason_))
        # Everything is checked: from here on the request, its files and its timeline are written.
        address = order.shipping_address
        request = uow.returns.add(ReturnRequest(
            shop_id=shop_id, order_id=order.id, supplier_order_id=so.id, kind=kind_, reason=reason_,
            description=text, currency=asked.currency, amount_requested=asked.amount, opened_at=now,
            status=RS.SUBMITTED, assisted=False,
            payment_method=so.payment_method, payer_country=payer or (address.country_code if address else None),
            evidence_keys=[], steps=[]))
        uow.flush()
        keys = []
        for number, item in enumerate(accepted, start=1):
            key = evidence_key(shop_id, str(request.id), number, item.name)
            files.put(key, item.content, item.type.mime)
            keys.append(key)
        request.evidence_keys = keys
        if not by_api:
            request.assisted = True
            request.steps = instructions(AfterSaleAction.OPEN_DISPUTE, label, reason_.value.replace("_", " "))
            request.link = order_page_url(label)
        uow.events.add(_opened_event(request, label, actor_id))
        refresh_stage(uow, order, at=now)
        uow.commit()
    if not by_api:
        return request
    assert isinstance(supplier, SupplierAfterSale)
    return _open_dispute(uow, supplier, clock, shop_id=shop_id, request=request, label=label)


def _open_dispute(uow: UnitOfWork, supplier: SupplierAfterSale, clock: Clock, *, shop_id: int,
                  request: ReturnRequest, label: str) -> ReturnRequest:
    """Ask the supplier to open the committed request's dispute, outside any transaction, then record it."""
    dispute = DisputeRequest(supplier_order_id=label, kind=DisputeKind(request.kind.value), reason=request.reason.value,
                             description=request.description, amount=request.requested,
                             evidence=[key.rsplit("/", 1)[-1] for key in request.evidence_keys])
    try:
        ticket = supplier.open_dispute(dispute)
    except SupplierError as error:
        if _dispute_not_opened(uow, clock, shop_id=shop_id, request_id=request.id, label=label, error=error):
            return request  # no answer: still submitted, looked up at the next refresh
        words = error.supplier_message or error.message
        raise SupplierError(error.kind, f"the supplier refused to open the dispute ({words}); return/refund request "
                            f"{request.id} is closed", supplier_code=error.supplier_code,
                            supplier_message=error.supplier_message, field="supplier") from error
    with uow:
        current = uow.returns.get(shop_id, request.id, for_update=True)
        order = uow.orders.get(shop_id, request.order_id, for_update=True)
        if current is None or order is None:
            raise NotFound(f"no return/refund request {request.id}", field="return_id")
        apply_ticket(uow, current, order, ticket, now=clock.now(), label=label)
        uow.commit()
        return current


def _dispute_not_opened(uow: UnitOfWork, clock: Clock, *, shop_id: int, request_id: int, label: str,
                        error: SupplierError) -> bool:
    """A refusal closes the request (the supplier's words on it); an unanswered call leaves it submitted, to be
    found at the next look at the supplier (a repeat could open a second dispute, so no blind retry).
    True when it stays submitted."""
    words = error.supplier_message or error.message
    unanswered = error.kind in (SupplierErrorKind.TRANSIENT, SupplierErrorKind.RATE_LIMITED)
    now = clock.now()
    log.warning("dispute of return request %s (supplier order %s) not opened: %s", request_id, label, words)
    with uow:
        request = uow.returns.get(shop_id, request_id, for_update=True)
        order = uow.orders.get(shop_id, request.order_id, for_update=True) if request else None
        if request is None or order is None:
            return unanswered
        if unanswered:
            note_event(uow, request, now, f"The supplier did not answer when opening the dispute ({words}); Order "
                       "Center looks for it at the next refresh of the supplier order", supplier_error=words)
        else:
            request.decision_note = f"the supplier refused to open the dispute: {words}"
            move_request(uow, request, order, [RS.CLOSED], now=now, label=label, actor=ActorKind.SUPPLIER,
                         note=request.decision_note, notify=False)
        uow.commit()
    return unanswered


# ---------------------------------------------------------------- following the supplier


def _match(requests: Iterable[ReturnRequest], ticket: DisputeTicket) -> ReturnRequest | None:
    candidates = list(requests)
    known = next((r for r in candidates if r.supplier_dispute_id == ticket.dispute_id), None)
    if known is not None:
        return known
    # Our call to open it went unanswered, yet the supplier opened it: adopt it.
    return next((r for r in candidates if r.supplier_dispute_id is None and not r.assisted
                 and r.status is RS.SUBMITTED), None)


def apply_tickets(uow: UnitOfWork, clock: Clock, *, shop_id: int, supplier_order_id: int,
                  tickets: Sequence[DisputeTicket]) -> None:
    """Apply what the supplier says of this supplier order's disputes."""
    if not tickets:
        return
    now = clock.now()
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
        order = uow.orders.get(shop_id, so.order_id, for_update=True) if so else None
        if so is None or order is None:
            return
        requests = list(uow.returns.for_supplier_order(shop_id, so.id, for_update=True))
        changed = False
        for ticket in sorted(tickets, key=lambda t: t.opened_at):
            request = _match(requests, ticket)
            if request is not None:
                changed = apply_ticket(uow, request, order, ticket, now=now, label=label_of(so)) or changed
        if changed:
            uow.commit()


def _overdue_message(what: str, amount: Money, expected_by: object) -> str:
    return (f"the refund of {amount.rounded()} for {what} was expected by {expected_by} and has not arrived: check "
            "the payment method's statement, then confirm its arrival or ask the supplier")


def _still_overdue(uow: UnitOfWork, kind: str, shop_id: int, request_id: int,
                   today: date) -> tuple[int, int | None, str | None] | None:
    """(order id, supplier order id, the alert's message or None once arrived) of one refund; None if gone."""
    if kind == "return":
        request = uow.returns.get(shop_id, request_id, for_update=True)
        if request is None:
            return None
        overdue = (request.status is RS.REFUND_PENDING and request.refund_arrived_at is None
                   and request.refund_expected_by is not None and request.refund_expected_by < today)
        amount = Money(request.amount_refunded if request.amount_refunded is not None else request.amount_requested,
                       request.currency)
        message = _overdue_message(f"return/refund request {request.id}", amount, request.refund_expected_by)
        return request.order_id, request.supplier_order_id, message if overdue else None
    cancellation = uow.cancellations.get(shop_id, request_id, for_update=True)
    if cancellation is None:
        return None
    overdue = (cancellation.status is CancellationStatus.APPROVED and cancellation.refund_arrived_at is None
               and cancellation.refund_expected_by is not None and cancellation.refund_expected_by < today)
    amount = Money(cancellation.refund_amount or Decimal(0), cancellation.currency)
    message = _overdue_message(f"the cancelled supplier order (cancellation {cancellation.id})", amount,
                               cancellation.refund_expected_by)
    return cancellation.order_id, cancellation.supplier_order_id, message if overdue else None


def scan_overdue_refunds(uow: UnitOfWork, clock: Clock) -> int:
    """Raise the alert on refunds not arrived by their last expected day (every shop): of returns and of
    approved cancellations; clear it once a refund has arrived. Returns how many alerts were raised."""
    now = clock.now()
    today = now.date()
    with uow:
        due = {("return", r.shop_id, r.id) for r in uow.returns.refunds_overdue(today, SCAN_LIMIT)}
        due |= {("cancellation", c.shop_id, c.id)
                for c in uow.returns.cancellation_refunds_overdue(today, SCAN_LIMIT)}
        for alert in uow.returns.open_refund_alerts(SCAN_LIMIT):
            kind, _, number = alert.subject.partition(":")
            if kind in ("return", "cancellation") and number.isdigit():
                due.add((kind, alert.shop_id, int(number)))
    raised = 0
    for kind, shop_id, request_id in sorted(due):
        with uow:
            found = _still_overdue(uow, kind, shop_id, request_id, today)
            if found is None:
                continue
            order_id, supplier_order_id, message = found
            kinds, _ = settle_alerts(uow, shop_id=shop_id, order_id=order_id,
                                     subject=request_subject(kind, request_id),
                                     holding={AlertKind.REFUND_OVERDUE: message} if message else {},
                                     managed=OVERDUE, now=now, supplier_order_id=supplier_order_id)
            uow.commit()
            raised += len(kinds)
    return raised
