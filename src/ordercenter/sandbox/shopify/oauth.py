"""Shopify's OAuth authorization-code grant, auto-approved: /admin/oauth/authorize and /access_token,
which also issues expiring offline tokens (`expiring=1`) and refreshes them (`grant_type=refresh_token`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ordercenter.sandbox.shopify.graphql_api import SHOP_DOMAIN_HEADER
from ordercenter.sandbox.shopify.records import Shop
from ordercenter.sandbox.shopify.state import SandboxStore

#: Authorization codes are single use and short lived.
CODE_LIFETIME_SECONDS = 600


def oauth_hmac(params: dict[str, str], secret: str) -> str:
    """Hex HMAC-SHA256 over `k=v&…` of every parameter except hmac/signature, sorted by key."""
    message = "&".join(f"{key}={value}" for key, value in sorted(params.items())
                       if key not in ("hmac", "signature"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


@dataclass
class _Grant:
    shop_domain: str
    client_id: str
    scope: str
    issued_at: float


class OAuthServer:
    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._grants: dict[str, _Grant] = {}

    def _pick_shop(self, request: Request, client_id: str) -> Shop | None:
        wanted = request.query_params.get("shop") or request.headers.get(SHOP_DOMAIN_HEADER)
        shops = self._store.shops()
        if wanted:
            return next((s for s in shops if s.domain == wanted and s.client_id == client_id), None)
        return next((s for s in shops if s.client_id == client_id), None)

    async def authorize(self, request: Request) -> Response:
        client_id = request.query_params.get("client_id", "")
        redirect_uri = request.query_params.get("redirect_uri")
        shop = self._pick_shop(request, client_id)
        if shop is None:
            return JSONResponse({"error": "invalid_request", "error_description":
                                 "Oauth error invalid_request: The client_id is not recognized."}, status_code=400)
        if not redirect_uri or urlsplit(redirect_uri).scheme not in ("http", "https"):
            return JSONResponse({"error": "invalid_request", "error_description":
                                 "Oauth error invalid_request: The redirect_uri is missing or not whitelisted."},
                                status_code=400)
        code = secrets.token_hex(16)
        now = self._store.now()
        with self._lock:
            self._grants[code] = _Grant(shop.domain, client_id, request.query_params.get("scope") or shop.scopes,
                                        now.timestamp())
        store_name = shop.domain.removesuffix(".myshopify.com")
        params = {
            "code": code,
            "host": base64.urlsafe_b64encode(f"admin.shopify.com/store/{store_name}".encode()).decode().rstrip("="),
            "shop": shop.domain,
            "timestamp": str(int(now.timestamp())),
        }
        state = request.query_params.get("state")
        if state is not None:
            params["state"] = state
        params["hmac"] = oauth_hmac(params, shop.client_secret)
        parts = urlsplit(redirect_uri)
        query = urlencode([*parse_qsl(parts.query), *sorted(params.items())])
        return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)

    async def access_token(self, request: Request) -> Response:
        data = await _form(request)
        if data.get("grant_type") == "refresh_token":
            return self._refresh(data)
        code, client_id, secret = data.get("code", ""), data.get("client_id", ""), data.get("client_secret", "")
        now = self._store.now().timestamp()
        with self._lock:
            grant = self._grants.get(code)
            if grant is None or now - grant.issued_at > CODE_LIFETIME_SECONDS or grant.client_id != client_id:
                return JSONResponse({"error": "invalid_request", "error_description":
                                     "The authorization code was not found or was already used"}, status_code=400)
            shop = self._store.shop(grant.shop_domain)
            if not hmac.compare_digest(secret.encode(), shop.client_secret.encode()):
                return JSONResponse(_INVALID_CLIENT, status_code=400)
            del self._grants[code]
        if data.get("expiring") in ("1", "true"):
            return JSONResponse(self._store.tokens.install(shop.domain, client_id, grant.scope))
        return JSONResponse({"access_token": shop.access_token, "scope": grant.scope})

    def _refresh(self, data: dict[str, str]) -> Response:
        client_id, secret = data.get("client_id", ""), data.get("client_secret", "")
        # One app (client id and secret) may be installed on several shops; the refresh token names the shop.
        if not any(s.client_id == client_id and hmac.compare_digest(secret.encode(), s.client_secret.encode())
                   for s in self._store.shops()):
            return JSONResponse(_INVALID_CLIENT, status_code=401)
        answer = self._store.tokens.refresh(data.get("refresh_token", ""), client_id)
        if answer is None:
            return JSONResponse({"error": "invalid_grant", "error_description":
                                 "The refresh token is invalid, expired or revoked."}, status_code=400)
        return JSONResponse(answer)

    # -- operator knobs (not Shopify): token lifetimes, revoking, and what was asked --------------------

    async def set_lifetimes(self, request: Request) -> Response:
        body = await _form(request)
        tokens = self._store.tokens
        try:
            if "access_token_seconds" in body:
                tokens.access_lifetime = _positive(body["access_token_seconds"])
            if "refresh_token_seconds" in body:
                tokens.refresh_lifetime = _positive(body["refresh_token_seconds"])
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse({"access_token_seconds": tokens.access_lifetime,
                             "refresh_token_seconds": tokens.refresh_lifetime})

    async def revoke(self, request: Request) -> Response:
        shop = (await _form(request)).get("shop") or self._store.shop().domain
        return JSONResponse({"shop": shop, "revoked": self._store.tokens.revoke_shop(shop)})

    async def refresh_grants(self, request: Request) -> Response:
        grants = self._store.tokens.grants_of(request.query_params.get("shop"))
        return JSONResponse([{"shop": g.shop_domain, "refresh_token": g.refresh_token, "accepted": g.accepted}
                             for g in grants])

    def routes(self) -> list[Route]:
        return [
            Route("/admin/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/admin/oauth/access_token", self.access_token, methods=["POST"]),
            Route("/_operator/oauth/lifetimes", self.set_lifetimes, methods=["POST"]),
            Route("/_operator/oauth/revoke", self.revoke, methods=["POST"]),
            Route("/_operator/oauth/refresh_grants", self.refresh_grants, methods=["GET"]),
        ]


_INVALID_CLIENT = {"error": "invalid_client", "error_description":
                   "Client authentication failed: the client_id or client_secret is wrong."}


async def _form(request: Request) -> dict[str, str]:
    """The parameters of a JSON or form-encoded POST (Shopify accepts both), query string included."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            raw = await request.json()
        except ValueError:
            raw = {}
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    data = dict(parse_qsl((await request.body()).decode()))
    data.update(request.query_params)
    return data


def _positive(value: str) -> int:
    seconds = int(value)
    if seconds < 1:
        raise ValueError("a lifetime is a whole number of seconds, at least 1")
    return seconds
