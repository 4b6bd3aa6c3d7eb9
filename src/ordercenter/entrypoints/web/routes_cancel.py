"""Cancel Order: the form (Reason, a note, what happens once approved), its confirmation, and the request's
own page, which follows the seller's decision by itself.

Submit opens the confirmation in the dialog (a plain page without JavaScript) that restates what will
be asked; only Confirm asks the supplier. While the request is pending its status fragment polls every
few seconds and, at most every `REFRESH_EVERY` seconds per supplier order, asks the supplier (the same
look as the background follow-up), so an approval appears without a reload. With an assisted supplier
(real AliExpress) the page gives the steps, the link and a form to record what the seller decided.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import ImmutableMultiDict, QueryParams, UploadFile
from starlette.responses import Response

from ordercenter.adapters.ports import AfterSaleAction, SupplierError
from ordercenter.domain import cancellation_rules
from ordercenter.domain.cancellations import CancellationFollowUp, CancellationReason, CancellationRequest
from ordercenter.domain.errors import DomainError, InvalidInput, NotFound
from ordercenter.domain.orders import Order
from ordercenter.domain.status import CancellationStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.entrypoints.web.csrf import PostedForm, text
from ordercenter.entrypoints.web.rendering import DIALOG_TARGET, page
from ordercenter.entrypoints.web.sessions import CurrentPerson, see_other
from ordercenter.services import after_sale_pages, cancellation, cancellation_refunds, polling
from ordercenter.services.returns import label_of

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

REFRESH_EVERY = 5.0  # seconds between two looks at the supplier for one supplier order, whoever is watching
REASONS = [(r.value, cancellation_rules.REASON_LABELS[r][:1].upper() + cancellation_rules.REASON_LABELS[r][1:])
           for r in CancellationReason]
_CHOICES = ("store_refund", "store_restock", "notify_customer")


# ---------------------------------------------------------------- asking the supplier now and then


class RefreshThrottle:
    """When each supplier order was last looked at from a page, so many watchers cost one look."""

    def __init__(self) -> None:
        self._last: dict[tuple[int, int], float] = {}
        self._lock = threading.Lock()

    def due(self, key: tuple[int, int]) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < REFRESH_EVERY:
                return False
            if len(self._last) > 10_000:
                self._last = {k: v for k, v in self._last.items() if now - v < REFRESH_EVERY}
            self._last[key] = now
            return True


def refresh_if_due(request: Request, container: ContainerDep, shop_id: int, supplier_order_id: int) -> str | None:
    """Ask the supplier about one supplier order (status, tracking, after-sale requests) unless it was asked
    within REFRESH_EVERY seconds; the supplier's failure in words, or None."""
    throttle = getattr(request.app.state, "after_sale_refreshes", None)
    if throttle is None:
        throttle = request.app.state.after_sale_refreshes = RefreshThrottle()
    if not throttle.due((shop_id, supplier_order_id)):
        return None
    try:
        with polling.clients(container.uow(), container.supplier_for, container.store_for) as (suppliers, stores):
            polling.refresh_one(container.uow(), suppliers, stores, container.clock, shop_id=shop_id,
                                supplier_order_id=supplier_order_id)
    except DomainError as failed:
        log.info("after-sale refresh of supplier order %s failed: %s", supplier_order_id, failed.message)
        return failed.message
    return None


def supplier_takes(request: Request, container: ContainerDep, so: SupplierOrder, action: AfterSaleAction) -> bool:
    """Whether the supplier order's account does `action` by API (else a person does it on its website).

    Asking builds a supplier client (an HTTP client with its TLS context: a tenth of a second), and the
    answer only changes with the kind of account, so it is kept per account and kind."""
    with container.uow() as uow:
        account = uow.supplier_accounts.get(so.shop_id, so.supplier_account_id) if so.supplier_account_id else None
    if account is None:
        return False
    known: dict[tuple[int, bool, str | None], frozenset[AfterSaleAction]] | None = getattr(
        request.app.state, "supplier_capabilities", None)
    if known is None:
        known = request.app.state.supplier_capabilities = {}
    key = (account.id, account.is_sandbox, account.api_url)
    if key not in known:
        known[key] = container.supplier_capabilities(account)
    return action in known[key]


# ---------------------------------------------------------------- the form and its confirmation


def field(params: ImmutableMultiDict[str, Any], name: str) -> str:
    """A text field of a query or a form ("" when absent or a file)."""
    value = params.get(name)
    return value.strip() if isinstance(value, str) and not isinstance(value, UploadFile) else ""


def _values(params: ImmutableMultiDict[str, Any]) -> dict[str, Any]:
    """What the form holds: its text fields and, once it was sent, its three choices as ticked or not."""
    values: dict[str, Any] = {"reason": field(params, "reason"), "note": field(params, "note"),
                              "then": field(params, "then") or CancellationFollowUp.REORDER.value}
    sent = params.get("choices") == "1"
    for name in _CHOICES:
        values[name] = params.get(name) == "1" if sent else True
    return values


def _form_page(request: Request, container: ContainerDep, person: CurrentPerson, supplier_order_id: int,
               values: dict[str, Any] | None = None, error: DomainError | None = None) -> Response:
    form = after_sale_pages.cancel_form(container.uow(), shop_id=person.shop_id, supplier_order_id=supplier_order_id)
    context = {"title": f"Cancel supplier order {label_of(form.supplier_order)}", "form": form,
               "so": form.supplier_order, "order": form.order, "reasons": REASONS,
               "values": values or _values(QueryParams()), "error": error,
               "by_api": supplier_takes(request, container, form.supplier_order, AfterSaleAction.CANCEL_ORDER),
               "fragment": False}
    if error is None:
        return page(request, "cancel_form.html", context)
    # A refusal from the dialog goes to the form itself, where the field at fault is.
    moved = {"HX-Retarget": "#main", "HX-Reswap": "outerHTML", "HX-Reselect": "#main"} \
        if request.headers.get("HX-Target") == DIALOG_TARGET else None
    return page(request, "cancel_form.html", context, status_code=422 if isinstance(error, InvalidInput) else 409,
                headers=moved)


@router.get("/supplier-orders/{supplier_order_id}/cancel")
def cancel_form(request: Request, supplier_order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    return _form_page(request, container, person, supplier_order_id, _values(request.query_params))


def _checked(values: dict[str, Any]) -> tuple[CancellationReason, str, CancellationFollowUp]:
    reason = cancellation_rules.parse_reason(values["reason"])
    return reason, cancellation_rules.checked_note(reason, values["note"]), \
        cancellation_rules.parse_follow_up(values["then"])


@router.get("/supplier-orders/{supplier_order_id}/cancel/confirm")
def confirm(request: Request, supplier_order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    values = _values(request.query_params)
    form = after_sale_pages.cancel_form(container.uow(), shop_id=person.shop_id, supplier_order_id=supplier_order_id)
    try:
        reason, note, then = _checked(values)
    except DomainError as bad:
        return _form_page(request, container, person, supplier_order_id, values, bad)
    if form.refusal is not None or form.open_request is not None:
        return see_other(request, f"/supplier-orders/{supplier_order_id}/cancel")
    so = form.supplier_order
    return page(request, "cancel_confirm.html", {
        "title": "Confirm the cancellation", "so": so, "order": form.order, "values": values,
        "what": cancellation_rules.supplier_reason_text(reason, note), "then": then, "paid": so.paid_at is not None,
        "by_api": supplier_takes(request, container, so, AfterSaleAction.CANCEL_ORDER),
        "back": f"/supplier-orders/{so.id}/cancel?{request.url.query}"})


@router.post("/supplier-orders/{supplier_order_id}/cancel")
def ask(request: Request, supplier_order_id: RowId, person: CurrentPerson, form: PostedForm,
        container: ContainerDep) -> Response:
    values = _values(form)
    try:
        with polling.clients(container.uow(), container.supplier_for, container.store_for) as (suppliers, stores):
            asked = cancellation.request_cancellation(
                container.uow(), suppliers, stores, container.clock, shop_id=person.shop_id,
                supplier_order_id=supplier_order_id, reason=values["reason"], note=values["note"],
                follow_up=values["then"], store_refund=values["store_refund"], store_restock=values["store_restock"],
                notify_customer=values["notify_customer"], actor_id=person.actor_id)
    except SupplierError as unanswered:
        # The request is kept, pending: its page offers to send it again.
        kept = after_sale_pages.cancel_form(container.uow(), shop_id=person.shop_id,
                                            supplier_order_id=supplier_order_id).open_request
        if kept is None:
            return _form_page(request, container, person, supplier_order_id, values, unanswered)
        return see_other(request, f"/cancellations/{kept.id}", f"The supplier did not take the request: "
                                                                 f"{unanswered.message}. It is kept; send it again.")
    except DomainError as refused:
        return _form_page(request, container, person, supplier_order_id, values, refused)
    words = {CancellationStatus.PENDING: "Cancellation asked: waiting for the seller's decision.",
             CancellationStatus.APPROVED: "The seller approved the cancellation at once.",
             CancellationStatus.REJECTED: "The seller refused the cancellation."}
    notice = "Cancellation recorded: do it on the supplier's website with the steps below." if asked.assisted \
        else words[asked.status]
    return see_other(request, f"/cancellations/{asked.id}", notice)


# ---------------------------------------------------------------- the request's page


def _loaded(container: ContainerDep, shop_id: int, cancellation_id: int
            ) -> tuple[CancellationRequest, SupplierOrder, Order]:
    request = cancellation.get_cancellation(container.uow(), shop_id=shop_id, cancellation_id=cancellation_id)
    with container.uow() as uow:
        so = uow.supplier_orders.get(shop_id, request.supplier_order_id)
        order = uow.orders.get(shop_id, request.order_id)
    if so is None or order is None:
        raise NotFound(f"no supplier order with id {request.supplier_order_id}", field="supplier_order_id")
    return request, so, order


def _status_context(c: CancellationRequest, so: SupplierOrder, order: Order, trouble: str | None = None
                    ) -> dict[str, Any]:
    return {"c": c, "so": so, "order": order, "trouble": trouble,
            "what": cancellation_rules.supplier_reason_text(c.reason, c.note),
            "shipped": so.status in cancellation_rules.SHIPPED_STATUSES,
            "resend": c.is_open and not c.assisted and c.supplier_request_id is None}


@router.get("/cancellations/{cancellation_id}")
def request_page(request: Request, cancellation_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    c, so, order = _loaded(container, person.shop_id, cancellation_id)
    return page(request, "cancel_request.html", {"title": f"Cancellation of supplier order {label_of(so)}",
                                                 **_status_context(c, so, order)})


@router.get("/cancellations/{cancellation_id}/status")
def status(request: Request, cancellation_id: RowId, person: CurrentPerson, container: ContainerDep,
           shown: str = "") -> Response:
    """The decision card, polled while pending (the supplier asked now and then meanwhile); a decision
    reloads the page, whose forms and steps change with it, and says what was decided."""
    c, so, order = _loaded(container, person.shop_id, cancellation_id)
    trouble = None
    if c.is_open:
        trouble = refresh_if_due(request, container, person.shop_id, so.id)
        c, so, order = _loaded(container, person.shop_id, cancellation_id)
    if shown and c.status.value != shown:
        verb = "approved" if c.status is CancellationStatus.APPROVED else "refused"
        return see_other(request, f"/cancellations/{c.id}", f"The seller {verb} the cancellation.")
    return page(request, "cancel_status.html", _status_context(c, so, order, trouble))


@router.post("/cancellations/{cancellation_id}/decision")
def record_decision(request: Request, cancellation_id: RowId, person: CurrentPerson, form: PostedForm,
                    container: ContainerDep) -> Response:
    try:
        with polling.clients(container.uow(), container.supplier_for, container.store_for) as (_, stores):
            decided = cancellation.decide_cancellation(
                container.uow(), stores, container.clock, shop_id=person.shop_id, cancellation_id=cancellation_id,
                decision=text(form, "decision"), note=text(form, "note"), actor_id=person.actor_id)
    except DomainError as refused:
        c, so, order = _loaded(container, person.shop_id, cancellation_id)
        return page(request, "cancel_request.html", {
            "title": f"Cancellation of supplier order {label_of(so)}", **_status_context(c, so, order),
            "decision_error": refused, "decision_values": {"decision": text(form, "decision"),
                                                           "note": text(form, "note")}}, status_code=422)
    verb = "approved" if decided.status is CancellationStatus.APPROVED else "refused"
    return see_other(request, f"/cancellations/{decided.id}", f"Recorded: the seller {verb} the cancellation.")


@router.post("/cancellations/{cancellation_id}/refund-arrived")
def refund_arrived(request: Request, cancellation_id: RowId, person: CurrentPerson, form: PostedForm,
                   container: ContainerDep) -> Response:
    cancellation_refunds.record_refund_arrived(container.uow(), container.clock, shop_id=person.shop_id,
                                               cancellation_id=cancellation_id, actor_id=person.actor_id)
    return see_other(request, f"/cancellations/{cancellation_id}", "Recorded: the supplier's refund arrived.")
