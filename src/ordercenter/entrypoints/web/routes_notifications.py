"""Settings for the after-sale e-mails (owners only): who gets the merchant's e-mails, their sender, the
kinds switched off; the customer reply templates (edit, reset); and the outbox of every e-mail written."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ordercenter.domain.errors import DomainError
from ordercenter.domain.outbox import EmailKind, EmailStatus
from ordercenter.domain.reply_templates import PLACEHOLDERS
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.web.csrf import PostedForm, text, texts
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import OwnerPerson, see_other
from ordercenter.services import after_sale_pages, outbox, reply_templates

router = APIRouter(include_in_schema=False)

OUTBOX_PAGE = 100
KIND_WORDS = {
    EmailKind.DECISION: "A supplier decided a cancellation or a return/refund request",
    EmailKind.ALERT: "Alerts: something late, unpaid, overdue or unanswered",
    EmailKind.DIGEST: "The daily list of deadlines",
    EmailKind.CUSTOMER_REPLY: "Your replies to customers (off: they are written but not sent)",
    EmailKind.ACCOUNT: "A supplier account must be authorized again",
    EmailKind.PRIVACY: "A customer asked for their data: the file to send them is ready",
}
STATUS_WORDS = {EmailStatus.PENDING: "Waiting to be sent", EmailStatus.SENT: "Sent", EmailStatus.FAILED: "Failed",
                EmailStatus.SKIPPED: "Not sent"}


def _notifications_page(request: Request, container: ContainerDep, shop_id: int, *,
                        values: dict[str, Any] | None = None, error: DomainError | None = None) -> Response:
    current = after_sale_pages.notification_settings(container.uow(), shop_id=shop_id)
    with container.uow() as uow:
        people = uow.staff.emails_for_shop(shop_id)
    shown = values or {"emails": "\n".join(current.emails), "sender": current.sender or "",
                       "on": [k.value for k in EmailKind if k not in current.off]}
    return page(request, "settings_notifications.html", {
        "title": "Notification e-mails", "values": shown, "error": error, "kinds": KIND_WORDS, "people": people,
        "templates": reply_templates.list_templates(container.uow(), shop_id=shop_id),
    }, status_code=200 if error is None else 422)


@router.get("/settings/notifications")
def notifications(request: Request, person: OwnerPerson, container: ContainerDep) -> Response:
    return _notifications_page(request, container, person.shop_id)


@router.post("/settings/notifications")
def save_notifications(request: Request, person: OwnerPerson, form: PostedForm, container: ContainerDep) -> Response:
    on, emails, sender = texts(form, "on"), text(form, "emails"), text(form, "sender")
    values: dict[str, Any] = {"emails": emails, "sender": sender, "on": on}
    try:
        after_sale_pages.save_notification_settings(
            container.uow(), shop_id=person.shop_id, emails=emails, sender=sender,
            off=[k.value for k in EmailKind if k.value not in on])
    except DomainError as bad:
        return _notifications_page(request, container, person.shop_id, values=values, error=bad)
    return see_other(request, "/settings/notifications", "Notification e-mail settings saved.")


# ---------------------------------------------------------------- reply templates


def _template_page(request: Request, container: ContainerDep, shop_id: int, key: str, *,
                   values: dict[str, str] | None = None, error: DomainError | None = None) -> Response:
    template = reply_templates.get_template(container.uow(), shop_id=shop_id, key=key)
    return page(request, "settings_notifications_template.html", {
        "title": f"Reply template: {template.title}", "template": template, "placeholders": PLACEHOLDERS,
        "values": values or {"subject": template.subject, "body": template.body}, "error": error},
        status_code=200 if error is None else 422)


@router.get("/settings/reply-templates/{key}")
def edit_template(request: Request, key: str, person: OwnerPerson, container: ContainerDep) -> Response:
    return _template_page(request, container, person.shop_id, key)


@router.post("/settings/reply-templates/{key}")
def save_template(request: Request, key: str, person: OwnerPerson, form: PostedForm,
                  container: ContainerDep) -> Response:
    # Not stripped: the wording's own line breaks and spaces are the merchant's.
    subject, body = str(form.get("subject") or "").strip(), str(form.get("body") or "").replace("\r\n", "\n")
    try:
        saved = reply_templates.save_template(container.uow(), shop_id=person.shop_id, key=key, subject=subject,
                                              body=body, now=container.clock.now())
    except DomainError as bad:
        return _template_page(request, container, person.shop_id, key, values={"subject": subject, "body": body},
                              error=bad)
    return see_other(request, "/settings/notifications#templates", f"Reply template “{saved.title}” saved.")


@router.post("/settings/reply-templates/{key}/reset")
def reset_template(request: Request, key: str, person: OwnerPerson, form: PostedForm,
                   container: ContainerDep) -> Response:
    reset = reply_templates.reset_template(container.uow(), shop_id=person.shop_id, key=key)
    return see_other(request, "/settings/notifications#templates",
                     f"Reply template “{reset.title}” is back to the built-in wording.")


# ---------------------------------------------------------------- the outbox


@router.get("/settings/outbox")
def outbox_page(request: Request, person: OwnerPerson, container: ContainerDep, status: str = "") -> Response:
    chosen = EmailStatus(status) if status in EmailStatus.__members__.values() else None
    rows = outbox.list_outbox(container.uow(), shop_id=person.shop_id, status=chosen, limit=OUTBOX_PAGE)
    return page(request, "outbox.html", {"title": "Outbox", "emails": rows, "status": chosen,
                                         "statuses": STATUS_WORDS, "kinds": KIND_WORDS, "limit": OUTBOX_PAGE})
