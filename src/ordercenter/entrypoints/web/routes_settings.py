"""Settings (owners only): store and supplier connections, time zone, packaging, people, API tokens."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ordercenter.domain.access import StaffRole
from ordercenter.domain.errors import DomainError, InvalidInput, NotFound
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.entrypoints.api.routes.supplier_auth import callback_url
from ordercenter.entrypoints.web.csrf import PostedForm, text
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import OwnerPerson, see_other
from ordercenter.services import access, packaging, suppliers, web_sessions
from ordercenter.services.web_sessions import SignedInPerson

router = APIRouter(include_in_schema=False)

_ZONES = sorted(available_timezones() - {"localtime", "Factory"})


def _settings_page(request: Request, person: SignedInPerson, container: ContainerDep, *,
                   errors: dict[str, DomainError] | None = None, values: dict[str, str] | None = None,
                   new_token: str | None = None, status_code: int = 200) -> Response:
    now = container.clock.now()
    with container.uow() as uow:
        shop = uow.shops.get(person.shop_id)
        tokens = list(uow.tokens.all(person.shop_id))
    if shop is None:
        raise NotFound("this shop no longer exists", field="shop")
    accounts = suppliers.list_supplier_accounts(container.uow(), shop_id=person.shop_id, now=now,
                                                capabilities=container.supplier_capabilities)
    shop_wide = next((p for p in packaging.list_packaging(container.uow(), shop_id=person.shop_id)
                      if p.supplier_account_id is None), None)
    context: dict[str, Any] = {
        "title": "Settings", "shop": shop, "accounts": accounts, "tokens": tokens, "zones": _ZONES,
        "people": web_sessions.list_people(container.uow(), shop_id=person.shop_id), "roles": list(StaffRole),
        "packaging": shop_wide, "errors": errors or {}, "values": values or {}, "new_token": new_token,
        "public_url": container.settings.public_url.rstrip("/"), "supplier_callback": callback_url(container),
        "now": now,
    }
    return page(request, "settings.html", context, status_code=status_code)


@router.get("/settings")
def settings_page(request: Request, person: OwnerPerson, container: ContainerDep) -> Response:
    return _settings_page(request, person, container)


def _refused(request: Request, person: SignedInPerson, container: ContainerDep, section: str, error: DomainError,
             values: dict[str, str]) -> Response:
    return _settings_page(request, person, container, errors={section: error}, values=values, status_code=422)


@router.post("/settings/timezone")
def save_timezone(request: Request, person: OwnerPerson, form: PostedForm, container: ContainerDep) -> Response:
    try:
        zone = web_sessions.set_timezone(container.uow(), shop_id=person.shop_id, timezone=text(form, "timezone"))
    except DomainError as bad:
        return _refused(request, person, container, "timezone", bad, {"timezone": text(form, "timezone")})
    return see_other(request, "/settings#timezone", f"Times are now shown in {zone}.")


@router.post("/settings/packaging")
def save_packaging(request: Request, person: OwnerPerson, form: PostedForm, container: ContainerDep) -> Response:
    data = packaging.PackagingInput(branded_packaging=form.get("branded_packaging") == "1",
                                    no_invoice_or_prices=form.get("no_invoice_or_prices") == "1",
                                    no_supplier_logo=form.get("no_supplier_logo") == "1", note=text(form, "note"))
    try:
        packaging.save_packaging(container.uow(), shop_id=person.shop_id, data=data, now=container.clock.now())
    except DomainError as bad:
        return _refused(request, person, container, "packaging", bad, {"note": text(form, "note")})
    return see_other(request, "/settings#packaging", "Packaging preferences saved; they go with every new "
                                                     "supplier order.")


@router.post("/settings/people")
def add_person(request: Request, person: OwnerPerson, form: PostedForm, container: ContainerDep) -> Response:
    email, role = text(form, "email"), text(form, "role")
    password = form.get("password")
    try:
        if role not in StaffRole.__members__.values():
            raise InvalidInput("Choose owner or staff.", field="role")
        user = access.create_staff_user(container.uow(), shop_id=person.shop_id, email=email,
                                        password=password if isinstance(password, str) else "",
                                        now=container.clock.now(), role=StaffRole(role))
    except DomainError as bad:
        return _refused(request, person, container, "people", bad, {"email": email, "role": role})
    return see_other(request, "/settings#people", f"{user.email} can now sign in as {user.role.value}.")


@router.post("/settings/tokens")
def create_token(request: Request, person: OwnerPerson, form: PostedForm, container: ContainerDep) -> Response:
    name = text(form, "name")
    try:
        issued = access.create_token(container.uow(), shop_id=person.shop_id, name=name, now=container.clock.now())
    except DomainError as bad:
        return _refused(request, person, container, "tokens", bad, {"name": name})
    # Shown once, on this answer only: never in a URL, a cookie or a later page.
    return _settings_page(request, person, container, new_token=issued.token)


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: RowId, person: OwnerPerson, form: PostedForm,
                 container: ContainerDep) -> Response:
    access.revoke_token(container.uow(), shop_id=person.shop_id, token_id=token_id, now=container.clock.now())
    return see_other(request, "/settings#tokens", f"Token {token_id} revoked: it stops working at once.")


@router.post("/settings/suppliers/{account_id}/authorize")
def authorize_supplier(request: Request, account_id: RowId, person: OwnerPerson, form: PostedForm,
                       container: ContainerDep) -> Response:
    url = suppliers.begin_authorization(container.uow(), container.supplier_authorizer, shop_id=person.shop_id,
                                        account_id=account_id, redirect_uri=callback_url(container),
                                        now=container.clock.now(), key=container.settings.resolved_secret_key())
    return RedirectResponse(url, status_code=303)

