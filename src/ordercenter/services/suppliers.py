"""Supplier accounts: connecting one, keeping its OAuth tokens fresh, and asking a person to
re-authorize it before its refresh token runs out; plus the OAuth authorization flow.

Token rules (AliExpress): refresh about 30 minutes before the access token expires, always keep
the *new* refresh token, and never refresh past the refresh token's own deadline; refreshing does
not move that deadline, so only a new authorization does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets as random_secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ordercenter.adapters.ports import (
    AfterSaleAction,
    EmailMessage,
    Notifier,
    Secrets,
    SupplierAuthorizer,
    SupplierError,
    SupplierErrorKind,
    SupplierProbe,
    SupplierTokens,
)
from ordercenter.domain.alerts import AlertKind
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.suppliers import SupplierAccount, SupplierPlatformKind, supplier_account_subject
from ordercenter.services.alerting import raise_subject_alert, resolve_subject_alert
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

AuthorizerFactory = Callable[[SupplierAccount], SupplierAuthorizer]
# A printed or e-mailed link may be opened a while later (logging in to AliExpress can take a
# second factor); the state only names an account the shop already owns, and a code is still needed.
STATE_LIFETIME_SECONDS = 3600
WARN_DAYS = 7


# ---------------------------------------------------------------- connecting


def _required(value: str, field: str, what: str) -> str:
    cleaned = value.strip()
    if not cleaned or any(c.isspace() for c in cleaned):
        raise InvalidInput(f"the {what} is empty or contains spaces", field=field)
    return cleaned


def _api_url(value: str | None, sandbox: bool) -> str | None:
    url = (value or "").strip().rstrip("/") or None
    if url is None:
        if sandbox:
            raise InvalidInput("a sandbox account needs the sandbox's address (--api-url)", field="api_url")
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"'{value}' is not an http(s) address", field="api_url")
    return url


def connect_supplier(uow: UnitOfWork, secrets: Secrets, *, shop_id: int, platform: str, app_key: str,
                     app_secret: str, api_url: str | None, sandbox: bool, access_token: str | None = None,
                     name: str, now: datetime, probe: SupplierProbe) -> SupplierAccount:
    """Add a supplier account to a shop (or replace the credentials of the same app key), secrets encrypted.

    A given access token is first checked with one cheap call, so a typo fails here and not at the
    first order. Without one, the account waits for the OAuth authorization (`begin_authorization`).
    """
    try:
        kind = SupplierPlatformKind(platform.strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in SupplierPlatformKind)
        raise InvalidInput(f"unknown supplier platform '{platform}' (known: {known})", field="platform") from None
    key = _required(app_key, "app_key", "app key")
    secret = _required(app_secret, "app_secret", "app secret")
    label = name.strip()
    if not label:
        raise InvalidInput("the account name is empty", field="name")
    url = _api_url(api_url, sandbox)
    token = _required(access_token, "access_token", "access token") if access_token is not None else None
    if token is not None:
        try:
            probe(app_key=key, app_secret=secret, access_token=token, api_url=url, sandbox=sandbox)
        except SupplierError as error:
            if error.kind is SupplierErrorKind.AUTH:
                raise InvalidInput(f"the supplier refused these credentials: {error.supplier_message or error}",
                                   field="access_token") from None
            raise
    with uow:
        if uow.shops.get(shop_id) is None:
            raise NotFound(f"no shop {shop_id}", field="shop")
        account = next((a for a in uow.supplier_accounts.all(shop_id)
                        if a.platform == kind and a.app_key == key), None)
        if account is None:
            account = uow.supplier_accounts.add(SupplierAccount(
                shop_id=shop_id, platform=kind, name=label, app_key=key, app_secret_encrypted="", created_at=now))
        account.name, account.api_url, account.is_sandbox = label, url, sandbox
        account.app_secret_encrypted = secrets.encrypt(secret)
        if token is not None:
            # A token pasted by hand comes without a refresh token or a known lifetime.
            account.access_token_encrypted = secrets.encrypt(token)
            account.refresh_token_encrypted = None
            account.access_token_expires_at = account.refresh_token_expires_at = None
            account.authorized_at, account.reauthorization_alerted_at, account.token_error = now, None, None
            account.credentials_replaced()
        uow.commit()
        return account


def _apply_tokens(account: SupplierAccount, secrets: Secrets, tokens: SupplierTokens, now: datetime, *,
                  new_authorization: bool) -> None:
    account.access_token_encrypted = secrets.encrypt(tokens.access_token)
    account.refresh_token_encrypted = secrets.encrypt(tokens.refresh_token) if tokens.refresh_token else None
    account.access_token_expires_at = tokens.access_expires_at
    account.refresh_token_expires_at = tokens.refresh_expires_at
    account.buyer_user_id = tokens.user_id or account.buyer_user_id
    account.buyer_account = tokens.account or account.buyer_account
    account.token_error = None
    account.credentials_replaced()
    if new_authorization:
        # A refresh keeps the deadline; only a new authorization moves it, so only it re-arms the alert.
        account.authorized_at, account.reauthorization_alerted_at = now, None


def store_tokens(uow: UnitOfWork, secrets: Secrets, *, shop_id: int, account_id: int, tokens: SupplierTokens,
                 now: datetime, new_authorization: bool = True) -> SupplierAccount:
    """Keep the tokens of an authorization (or, with `new_authorization=False`, of a refresh) encrypted."""
    with uow:
        account = uow.supplier_accounts.get(shop_id, account_id, for_update=True)
        if account is None:
            raise NotFound(f"no supplier account {account_id}", field="account")
        _apply_tokens(account, secrets, tokens, now, new_authorization=new_authorization)
        uow.commit()
        return account


def get_supplier_account(uow: UnitOfWork, *, shop_id: int, account_id: int) -> SupplierAccount:
    with uow:
        account = uow.supplier_accounts.get(shop_id, account_id)
        if account is None:
            raise NotFound(f"no supplier account {account_id}", field="account")
        return account


# ---------------------------------------------------------------- keeping tokens fresh


def _all_accounts(uow: UnitOfWork) -> list[SupplierAccount]:
    with uow:
        # An uninstalled shop's accounts are left alone: no refresh, no e-mail, until it comes back.
        return [a for shop in uow.shops.all() if shop.uninstalled_at is None
                for a in uow.supplier_accounts.all(shop.id)]


def refresh_due_tokens(uow: UnitOfWork, secrets: Secrets, refresher: AuthorizerFactory, now: datetime) -> int:
    """Refresh every account whose access token expires within 30 minutes; returns how many were refreshed.

    Each refresh runs under the account's row lock and re-checks that it is still due: the old refresh
    token dies the moment the supplier answers, so two workers refreshing at once would have the
    loser store an error over a healthy account. A refused refresh token is dropped (it is dead; the
    account lives until its access token expires and is reported for re-authorization).
    """
    refreshed = 0
    for candidate in _all_accounts(uow):
        if not candidate.needs_token_refresh(now):
            continue
        with uow:
            account = uow.supplier_accounts.get(candidate.shop_id, candidate.id, for_update=True)
            if account is None or not account.needs_token_refresh(now):
                continue
            assert account.refresh_token_encrypted is not None  # needs_token_refresh checked it
            try:
                tokens = refresher(account).refresh(secrets.decrypt(account.refresh_token_encrypted))
            except SupplierError as error:
                log.warning("token refresh of supplier account %s failed: %s", account.id, error.message)
                account.token_error = error.supplier_message or error.message
                if error.kind is SupplierErrorKind.AUTH:
                    account.refresh_token_encrypted = None
                uow.commit()
                continue
            _apply_tokens(account, secrets, tokens, now, new_authorization=False)
            uow.commit()
            refreshed += 1
    return refreshed


# ---------------------------------------------------------------- asking for re-authorization


def _alert(account: SupplierAccount, to: str, now: datetime, public_url: str | None) -> EmailMessage:
    deadline = account.authorization_deadline
    assert deadline is not None  # reauthorization_due checked it
    when = "has expired" if deadline <= now else f"expires on {deadline:%Y-%m-%d %H:%M} UTC"
    link = (f"{public_url.rstrip('/')}/aliexpress/authorize?account={account.id} (with an API token) or "
            if public_url else "")
    body = (f"The authorization of the {account.platform.value} account '{account.name}'"
            f"{f' ({account.buyer_account})' if account.buyer_account else ''} {when}.\n"
            f"After that, orders cannot be placed or followed with this account.\n\n"
            f"Authorize it again: {link}run 'ordercenter suppliers authorize {account.id}' and open the link "
            f"it prints, then log in with the buying account.\n")
    return EmailMessage(to=to, subject=f"Re-authorize the supplier account '{account.name}'", body=body)


def reauthorization_alerts(uow: UnitOfWork, notifier: Notifier, now: datetime, warn_days: int = WARN_DAYS, *,
                           public_url: str | None = None) -> int:
    """E-mail the shop's staff once per authorization when it runs out within `warn_days` (or did);
    returns the number of accounts announced.

    The mark is committed before sending so two workers never both send; when sending fails the
    mark is taken back, so the next run tries again.
    """
    announced = 0
    for candidate in _all_accounts(uow):
        if candidate.reauthorization_alerted_at is not None or not candidate.reauthorization_due(now, warn_days):
            continue
        with uow:
            account = uow.supplier_accounts.get(candidate.shop_id, candidate.id, for_update=True)
            if account is None or account.reauthorization_alerted_at is not None:
                continue
            recipients = uow.staff.emails_for_shop(account.shop_id)
            if not recipients:
                log.warning("supplier account %s needs re-authorization but its shop has no staff to tell",
                            account.id)
                continue
            account.reauthorization_alerted_at = now
            messages = [_alert(account, to, now, public_url) for to in recipients]
            uow.commit()
        try:
            for message in messages:
                notifier.send(message)
        except Exception:
            log.exception("re-authorization alert for supplier account %s could not be sent", candidate.id)
            with uow:
                account = uow.supplier_accounts.get(candidate.shop_id, candidate.id, for_update=True)
                if account is not None and account.reauthorization_alerted_at == now:
                    account.reauthorization_alerted_at = None
                    uow.commit()
            continue
        announced += 1
    return announced


# ---------------------------------------------------------------- refused credentials


def _refusal_email(account: SupplierAccount, message: str) -> str:
    return (f"AliExpress refuses the credentials of the supplier account '{account.name}' on every call "
            f"({message}).\n\nUntil it is authorized again, orders bought with it are not followed and "
            f"cannot be placed. Order Center tries again by itself, less and less often (at most once an hour).\n\n"
            f"Authorize it again: run 'ordercenter suppliers authorize {account.id}' and open the link it "
            "prints, or use the Authorize button on the Settings page.\n")


def record_credentials_refused(uow: UnitOfWork, *, shop_id: int, account_id: int, message: str,
                               now: datetime) -> datetime | None:
    """The supplier refused the account's credentials: shown on the account, one alert while it lasts, and the
    next try pushed back (doubling, capped). Returns when the next try may be made; logs one line per try."""
    with uow:
        account = uow.supplier_accounts.get(shop_id, account_id, for_update=True)
        if account is None:
            return None
        started = account.record_refusal(message, now)
        if started:
            raise_subject_alert(
                uow, shop_id=shop_id, subject=supplier_account_subject(account.id),
                kind=AlertKind.SUPPLIER_CREDENTIALS_REFUSED,
                message=f"the supplier refuses the credentials of the account '{account.name}': {message}",
                email_subject=f"Authorize the supplier account '{account.name}' again",
                email_text=_refusal_email(account, message), now=now)
        next_try = account.next_try_at
        log.warning("supplier account %s refused our credentials (try %s in a row, since %s): %s; next try at %s",
                    account.id, account.refused_tries, account.failing_since, message, next_try)
        uow.commit()
        return next_try


def record_credentials_accepted(uow: UnitOfWork, *, shop_id: int, account_id: int, now: datetime) -> bool:
    """A call with the account's credentials worked: the refusal and its alert end. True when it was refused."""
    with uow:
        account = uow.supplier_accounts.get(shop_id, account_id, for_update=True)
        if account is None or not account.record_acceptance():
            return False
        resolve_subject_alert(uow, shop_id=shop_id, subject=supplier_account_subject(account.id),
                              kind=AlertKind.SUPPLIER_CREDENTIALS_REFUSED, now=now)
        log.info("supplier account %s works again", account.id)
        uow.commit()
        return True


# ---------------------------------------------------------------- listing


@dataclass(frozen=True)
class SupplierAccountView:
    """What may be shown about an account: never a secret or a token."""

    id: int
    platform: SupplierPlatformKind
    name: str
    app_key: str
    sandbox: bool
    api_url: str | None
    buyer_account: str | None
    authorized: bool
    token_expires_at: datetime | None
    refresh_expires_at: datetime | None
    reauthorization_due: bool
    token_error: str | None
    capabilities: frozenset[AfterSaleAction]
    # While the supplier refuses the credentials: its words, since when, and the next try.
    last_error: str | None = None
    failing_since: datetime | None = None
    next_try_at: datetime | None = None


def list_supplier_accounts(uow: UnitOfWork, *, shop_id: int, now: datetime,
                           capabilities: Callable[[SupplierAccount], frozenset[AfterSaleAction]],
                           ) -> list[SupplierAccountView]:
    with uow:
        accounts = uow.supplier_accounts.all(shop_id)
    return [SupplierAccountView(
        id=a.id, platform=a.platform, name=a.name, app_key=a.app_key, sandbox=a.is_sandbox, api_url=a.api_url,
        # Holding a token the supplier refuses is not being authorized.
        buyer_account=a.buyer_account, authorized=a.is_authorized and not a.is_refused,
        token_expires_at=a.access_token_expires_at,
        refresh_expires_at=a.refresh_token_expires_at if a.refresh_token_encrypted else None,
        reauthorization_due=a.reauthorization_due(now), token_error=a.token_error, capabilities=capabilities(a),
        last_error=a.last_error, failing_since=a.failing_since, next_try_at=a.next_try_at,
    ) for a in accounts]


# ---------------------------------------------------------------- the OAuth authorization flow

# The purpose is part of what is signed, so a store-install state can never pass for this one.
_STATE_PURPOSE = "supplier-authorization"


def _sign(key: str, message: str) -> str:
    return hmac.new(key.encode(), f"{_STATE_PURPOSE}|{message}".encode(), hashlib.sha256).hexdigest()[:32]


def make_state(shop_id: int, account_id: int, now: datetime, key: str) -> str:
    """A nonce naming the shop, the account and the time, signed so the callback needs no stored session."""
    message = f"{shop_id}|{account_id}|{int(now.timestamp())}|{random_secrets.token_urlsafe(12)}"
    return base64.urlsafe_b64encode(f"{message}|{_sign(key, message)}".encode()).decode().rstrip("=")


def read_state(state: str, now: datetime, key: str) -> tuple[int, int]:
    """(shop id, account id) of a state we issued less than an hour ago, or InvalidInput."""
    try:
        raw = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4)).decode()
        shop, account, stamp, nonce, signature = raw.split("|")
        shop_id, account_id, issued = int(shop), int(account), int(stamp)
    except ValueError:  # also bad base64 (binascii.Error) and bad UTF-8 (UnicodeDecodeError)
        raise InvalidInput("the authorization state is not one we issued", field="state") from None
    if not hmac.compare_digest(signature, _sign(key, f"{shop}|{account}|{stamp}|{nonce}")):
        raise InvalidInput("the authorization state is not one we issued", field="state")
    if not 0 <= now.timestamp() - issued <= STATE_LIFETIME_SECONDS:
        raise InvalidInput("the authorization link expired; start the authorization again", field="state")
    return shop_id, account_id


def begin_authorization(uow: UnitOfWork, authorizers: AuthorizerFactory, *, shop_id: int, account_id: int,
                        redirect_uri: str, now: datetime, key: str) -> str:
    """The supplier's consent page for this account, carrying a fresh signed state."""
    account = get_supplier_account(uow, shop_id=shop_id, account_id=account_id)
    return authorizers(account).authorize_url(redirect_uri, make_state(shop_id, account_id, now, key))


def finish_authorization(uow: UnitOfWork, authorizers: AuthorizerFactory, secrets: Secrets, *,
                         params: Mapping[str, str], now: datetime, key: str) -> SupplierAccount:
    """Check the callback's state, trade the code for tokens at the supplier, and keep them."""
    if params.get("error"):
        reason = params.get("error_description") or params["error"]
        raise InvalidInput(f"the supplier did not authorize the app: {reason}", field="code")
    shop_id, account_id = read_state(params.get("state", ""), now, key)
    code = params.get("code", "")
    if not code:
        raise InvalidInput("the authorization callback has no code", field="code")
    account = get_supplier_account(uow, shop_id=shop_id, account_id=account_id)
    tokens = authorizers(account).exchange_code(code)
    return store_tokens(uow, secrets, shop_id=shop_id, account_id=account_id, tokens=tokens, now=now)
