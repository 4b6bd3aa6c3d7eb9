"""Return/Refund: the form (type, Reason, amount, description, evidence with previews), the request's page
with its evidence, and every step after (tracking number, escalate, close; assisted: the dispute number,
the seller's decision, the refund).

The upload is read the way the API reads it (refused as soon as it outgrows the evidence limits), the
CSRF token checked before anything else. Files cannot travel through a confirmation page without being
stored first, so the confirmation is the dialog that Submit opens (restating what will be asked) and,
without JavaScript, a confirmation box on the form itself.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from ordercenter.adapters.ports import AfterSaleAction
from ordercenter.domain import return_rules as rules
from ordercenter.domain.errors import DomainError, InvalidInput, NotFound
from ordercenter.domain.evidence import ALLOWED_TYPES, MB, EvidenceKind
from ordercenter.domain.orders import Order
from ordercenter.domain.protection import payment_method_of, refund_eta
from ordercenter.domain.returns import ReturnKind, ReturnReason, ReturnRequest
from ordercenter.domain.status import ReturnStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.entrypoints.api.routes.returns import (  # the API's bounded reading of the same upload
    _evidence,
    _read_form,
    evidence_limits,
)
from ordercenter.entrypoints.web.csrf import CSRF_FIELD, CsrfRefused, PostedForm, text
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.routes_cancel import field, refresh_if_due, supplier_takes
from ordercenter.entrypoints.web.sessions import CurrentPerson, see_other
from ordercenter.services import after_sale_pages, return_actions, return_queries, returns
from ordercenter.services.returns import label_of

router = APIRouter(include_in_schema=False)

RS = ReturnStatus
KINDS = {ReturnKind.REFUND_ONLY: "Refund only: keep the goods (or they never came)",
         ReturnKind.RETURN_AND_REFUND: "Return and refund: send the goods back first"}
REASONS = {ReturnReason.NOT_RECEIVED: "The parcel never arrived",
           ReturnReason.NOT_AS_DESCRIBED: "Not as described (quality, size, colour or quantity)",
           ReturnReason.DAMAGED: "Damaged or defective",
           ReturnReason.WRONG_ITEM: "A different item arrived",
           ReturnReason.COUNTERFEIT: "Not genuine (counterfeit)",
           ReturnReason.OTHER: "Other: say what is wrong in the description"}
NEXT = {RS.SUBMITTED: "Sent to the seller; waiting for the dispute to be opened.",
        RS.UNDER_REVIEW: "The seller (or the platform, once escalated) is looking at it.",
        RS.APPROVED: "Accepted: the refund follows.",
        RS.AWAITING_RETURN: "Accepted: send the goods back with the instructions below, then give the tracking number.",
        RS.RETURN_SHIPPED: "The parcel is on its way back; the seller refunds once it arrives.",
        RS.REFUND_PENDING: "The refund was issued: the money is on its way.",
        RS.REFUNDED: "The money arrived. Nothing more to do.",
        RS.REJECTED: "Refused. Escalate it to the platform, which decides, or close it.",
        RS.WITHDRAWN: "Dropped.", RS.CLOSED: "Closed without a refund."}
# Waiting for the supplier: the page follows it by itself (a supplier with a dispute API only).
FOLLOWED = frozenset({RS.SUBMITTED, RS.UNDER_REVIEW, RS.APPROVED, RS.RETURN_SHIPPED, RS.REFUND_PENDING})
ACCEPT = ",".join(ALLOWED_TYPES)
_TEXT_FIELDS = ("kind", "reason", "amount", "description")


# ---------------------------------------------------------------- the form


def _form_page(request: Request, container: ContainerDep, shop_id: int, supplier_order_id: int,
               values: dict[str, str] | None = None, error: DomainError | None = None) -> Response:
    now = container.clock.now()
    form = after_sale_pages.return_form(container.uow(), shop_id=shop_id, supplier_order_id=supplier_order_id,
                                        now=now)
    limits = evidence_limits(container.settings)
    values = values or {"kind": ReturnKind.REFUND_ONLY.value, "reason": "", "description": "",
                        "amount": str(form.maximum.amount)}
    status = 200 if error is None else 422 if isinstance(error, InvalidInput) else 409
    return page(request, "return_form.html", {
        "title": f"Return/refund for supplier order {label_of(form.supplier_order)}", "form": form,
        "so": form.supplier_order, "order": form.order, "values": values, "error": error, "kinds": KINDS,
        "reasons": REASONS, "accept": ACCEPT, "limits": limits, "mb": MB,
        "by_api": supplier_takes(request, container, form.supplier_order, AfterSaleAction.OPEN_DISPUTE)},
        status_code=status)


@router.get("/supplier-orders/{supplier_order_id}/return")
def return_form(request: Request, supplier_order_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    return _form_page(request, container, person.shop_id, supplier_order_id)


@router.post("/supplier-orders/{supplier_order_id}/return")
async def open_return(request: Request, supplier_order_id: RowId, person: CurrentPerson,
                      container: ContainerDep) -> Response:
    limits = evidence_limits(container.settings)
    values = dict.fromkeys(_TEXT_FIELDS, "")
    try:
        form = await _read_form(request, limits)
    except InvalidInput as unreadable:
        return await run_in_threadpool(_form_page, request, container, person.shop_id, supplier_order_id, None,
                                       unreadable)
    try:
        sent = form.get(CSRF_FIELD)
        if not (isinstance(sent, str) and sent and hmac.compare_digest(sent.encode(), person.csrf_token.encode())):
            raise CsrfRefused()
        values = {name: field(form, name) for name in _TEXT_FIELDS}
        # A file input left empty still sends a part, without a file name: it is no evidence.
        evidence = await _evidence(FormData([(k, v) for k, v in form.multi_items()
                                             if not (isinstance(v, UploadFile) and not v.filename)]), limits)
        confirmed = form.get("confirmed") == "1"
    except InvalidInput as bad:
        return await run_in_threadpool(_form_page, request, container, person.shop_id, supplier_order_id, values,
                                       bad)
    finally:
        await form.close()
    if not confirmed:
        return await run_in_threadpool(_form_page, request, container, person.shop_id, supplier_order_id, values,
                                       InvalidInput("Tick the box to confirm what will be asked.", field="confirmed"))
    try:
        opened = await run_in_threadpool(
            returns.open_return, container.uow(), container.supplier_resolver(person.shop_id), container.file_store,
            container.clock, limits, shop_id=person.shop_id, supplier_order_id=supplier_order_id,
            kind=values["kind"], reason=values["reason"], amount=values["amount"],
            description=values["description"], evidence=evidence, actor_id=person.actor_id)
    except DomainError as refused:
        return await run_in_threadpool(_form_page, request, container, person.shop_id, supplier_order_id, values,
                                       refused)
    notice = "Return/refund recorded: open it on the supplier's website with the steps below." if opened.assisted \
        else f"Return/refund request sent to the seller ({opened.status.value.replace('_', ' ')})."
    return see_other(request, f"/returns/{opened.id}", notice)


# ---------------------------------------------------------------- the request's page


def _loaded(container: ContainerDep, shop_id: int, return_id: int) -> tuple[ReturnRequest, SupplierOrder, Order]:
    found = return_queries.get_return(container.uow(), shop_id=shop_id, return_id=return_id)
    with container.uow() as uow:
        so = uow.supplier_orders.get(shop_id, found.supplier_order_id)
        order = uow.orders.get(shop_id, found.order_id)
    if so is None or order is None:
        raise NotFound(f"no supplier order with id {found.supplier_order_id}", field="supplier_order_id")
    return found, so, order


def _evidence_list(found: ReturnRequest) -> list[tuple[int, str, bool]]:
    """Each evidence file: its number (from 1), its name, and whether it is a photo (else a video)."""
    photos = {t.extension for t in ALLOWED_TYPES.values() if t.kind is EvidenceKind.PHOTO}
    listed = []
    for number, key in enumerate(found.evidence_keys, start=1):
        name = str(key).rsplit("/", 1)[-1].split("-", 1)[-1]
        listed.append((number, name, name.rsplit(".", 1)[-1].lower() in photos))
    return listed


def _context(found: ReturnRequest, so: SupplierOrder, order: Order, now: datetime,
             trouble: str | None = None) -> dict[str, Any]:
    eta = refund_eta(payment_method_of(found.payment_method), found.payer_country, now=now)
    return {"r": found, "so": so, "order": order, "trouble": trouble, "next": NEXT.get(found.status, ""),
            "eta": eta if found.is_open and found.refund_expected_by is None else None,
            "kinds": KINDS, "reasons": REASONS,
            "live": not found.assisted and found.status in FOLLOWED,
            "actions": [a.value for a in rules.allowed_actions(found.status, escalated=found.escalated_at is not None)]}


def _request_page(request: Request, container: ContainerDep, shop_id: int, return_id: int, *,
                  error: DomainError | None = None, action: str | None = None,
                  values: dict[str, str] | None = None) -> Response:
    found, so, order = _loaded(container, shop_id, return_id)
    context = _context(found, so, order, container.clock.now()) | {
        "title": f"Return/refund request {found.id}", "evidence": _evidence_list(found),
        "steps": after_sale_pages.dispute_steps(found, so) if found.assisted else [],
        "error": error, "failed_action": action, "values": values or {}}
    status = 200 if error is None else 422 if isinstance(error, InvalidInput) else 409
    return page(request, "return_request.html", context, status_code=status)


@router.get("/returns/{return_id}")
def request_page(request: Request, return_id: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    return _request_page(request, container, person.shop_id, return_id)


@router.get("/returns/{return_id}/status")
def status(request: Request, return_id: RowId, person: CurrentPerson, container: ContainerDep,
           shown: str = "") -> Response:
    """The state card, polled while the supplier has the next move; a new state reloads the page (its forms)."""
    found, so, order = _loaded(container, person.shop_id, return_id)
    trouble = None
    if not found.assisted and found.status in FOLLOWED:
        trouble = refresh_if_due(request, container, person.shop_id, so.id)
        found, so, order = _loaded(container, person.shop_id, return_id)
    if shown and found.status.value != shown:
        return see_other(request, f"/returns/{found.id}", f"Return/refund request {found.id}: "
                                                          f"{found.status.value.replace('_', ' ')}.")
    return page(request, "return_status.html", _context(found, so, order, container.clock.now(), trouble))


@router.get("/returns/{return_id}/evidence/{number}")
def evidence(return_id: RowId, number: RowId, person: CurrentPerson, container: ContainerDep) -> Response:
    """One evidence file, shown in the page (the shop's own only); typed by its content, never run as a page."""
    found = return_queries.evidence_file(container.uow(), container.file_store, shop_id=person.shop_id,
                                         return_id=return_id, number=number)
    return Response(found.content, media_type=found.content_type, headers={
        "Content-Disposition": f'inline; filename="{found.name}"', "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox", "Cache-Control": "private, no-store"})


def _act(request: Request, container: ContainerDep, person: CurrentPerson, return_id: int, action: str,
         values: dict[str, str], work: Callable[[], object], done: str) -> Response:
    try:
        work()
    except DomainError as refused:
        return _request_page(request, container, person.shop_id, return_id, error=refused, action=action,
                             values=values)
    return see_other(request, f"/returns/{return_id}", done)


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Enter a date like 2026-12-31.", field=name) from None


@router.post("/returns/{return_id}/tracking")
def record_tracking(request: Request, return_id: RowId, person: CurrentPerson, form: PostedForm,
                    container: ContainerDep) -> Response:
    number = text(form, "tracking_number")
    return _act(request, container, person, return_id, "ship_return", {"tracking_number": number},
                lambda: return_actions.record_return_shipment(
                    container.uow(), container.supplier_resolver(person.shop_id), container.clock,
                    shop_id=person.shop_id, return_id=return_id, tracking_number=number, actor_id=person.actor_id),
                f"Return tracking number {number} recorded.")


@router.post("/returns/{return_id}/dispute")
def record_dispute(request: Request, return_id: RowId, person: CurrentPerson, form: PostedForm,
                   container: ContainerDep) -> Response:
    number = text(form, "dispute_id")
    return _act(request, container, person, return_id, "record_dispute", {"dispute_id": number},
                lambda: return_actions.record_dispute_opened(container.uow(), container.clock, shop_id=person.shop_id,
                                                             return_id=return_id, dispute_id=number,
                                                             actor_id=person.actor_id),
                f"Dispute {number} recorded: now under review.")


@router.post("/returns/{return_id}/decision")
def record_decision(request: Request, return_id: RowId, person: CurrentPerson, form: PostedForm,
                    container: ContainerDep) -> Response:
    values = {name: text(form, name) for name in ("decision", "note", "return_address", "return_ship_by",
                                                   "return_label_url", "refund_amount")}

    def work() -> None:
        return_actions.record_decision(
            container.uow(), container.clock, shop_id=person.shop_id, return_id=return_id,
            decision=values["decision"], note=values["note"], return_address=values["return_address"] or None,
            return_ship_by=_day(values["return_ship_by"], "return_ship_by"),
            return_label_url=values["return_label_url"] or None, refund_amount=values["refund_amount"] or None,
            actor_id=person.actor_id)

    verb = "accepted" if values["decision"] == "approved" else "refused"
    return _act(request, container, person, return_id, "decide", values, work, f"Recorded: the seller {verb} it.")


@router.post("/returns/{return_id}/escalate")
def escalate(request: Request, return_id: RowId, person: CurrentPerson, form: PostedForm,
             container: ContainerDep) -> Response:
    return _act(request, container, person, return_id, "escalate", {},
                lambda: return_actions.escalate_return(container.uow(), container.supplier_resolver(person.shop_id),
                                                       container.clock, shop_id=person.shop_id, return_id=return_id,
                                                       actor_id=person.actor_id),
                "Escalated: the platform now decides.")


@router.post("/returns/{return_id}/close")
def close(request: Request, return_id: RowId, person: CurrentPerson, form: PostedForm,
          container: ContainerDep) -> Response:
    note = text(form, "note")
    return _act(request, container, person, return_id, "close", {"note": note},
                lambda: return_actions.close_return(container.uow(), container.clock, shop_id=person.shop_id,
                                                    return_id=return_id, note=note or None, actor_id=person.actor_id),
                f"Return/refund request {return_id} closed.")


@router.post("/returns/{return_id}/refund-issued")
def refund_issued(request: Request, return_id: RowId, person: CurrentPerson, form: PostedForm,
                  container: ContainerDep) -> Response:
    amount = text(form, "amount")
    return _act(request, container, person, return_id, "refund_issued", {"amount": amount},
                lambda: return_actions.record_refund_issued(container.uow(), container.clock, shop_id=person.shop_id,
                                                            return_id=return_id, amount=amount or None,
                                                            actor_id=person.actor_id),
                "Recorded: the seller issued the refund.")


@router.post("/returns/{return_id}/refund-arrived")
def refund_arrived(request: Request, return_id: RowId, person: CurrentPerson, form: PostedForm,
                   container: ContainerDep) -> Response:
    return _act(request, container, person, return_id, "refund_arrived", {},
                lambda: return_actions.confirm_refund_arrived(container.uow(), container.clock,
                                                              shop_id=person.shop_id, return_id=return_id,
                                                              actor_id=person.actor_id),
                "Recorded: the refund arrived.")
