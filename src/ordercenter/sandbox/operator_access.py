"""The operator token in front of a sandbox's `/_operator/` API, which hands out the store's access token,
the webhook secret and the supplier's app secret, and can make orders ship and money move.

With a token configured (the demo always has one), every operator request must carry it as
`Authorization: Bearer TOKEN`, from any address, loopback included: DESIGN.md's public contract (demo.json,
its `operator_url`s, the CLI) needs no tool to call these APIs without it, since `ordercenter sandbox …`
reads the token from demo.json; and a loopback exemption would still let any web page open in the
operator's browser post to `http://127.0.0.1:PORT/…/_operator/`. Without a token (tests, benchmarks) the
operator API stays open, as those sandboxes are reached by nothing else.
"""

from __future__ import annotations

import hmac

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

OPERATOR_PREFIX = "/_operator"


def _route_path(scope: Scope) -> str:
    """The path below where the sandbox is mounted (Starlette keeps the full path and the mount's root_path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class OperatorGuard:
    """ASGI middleware: `/_operator/…` answers 401 unless the request carries the operator token."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token and scope["type"] == "http" and self._guarded(scope) and not self._allowed(scope):
            given = bearer_token(scope) is not None
            response = JSONResponse(
                {"error": "operator_token_invalid" if given else "operator_token_required",
                 "message": ("the operator token is not this sandbox's" if given else
                             "the sandbox operator API needs the demo's operator token (demo.json: "
                             "operator_token) as 'Authorization: Bearer TOKEN'")},
                status_code=401, headers={"WWW-Authenticate": 'Bearer realm="sandbox operator"'})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _guarded(scope: Scope) -> bool:
        path = _route_path(scope)
        return path == OPERATOR_PREFIX or path.startswith(OPERATOR_PREFIX + "/")

    def _allowed(self, scope: Scope) -> bool:
        given = bearer_token(scope)
        return given is not None and self.token is not None and hmac.compare_digest(given.encode(),
                                                                                     self.token.encode())
