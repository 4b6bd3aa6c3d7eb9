"""The AliExpress Open Platform (IOP) request signature: HMAC-SHA256 over the sorted parameters.

The algorithm, as the official Python SDK (`iop/base.py`) computes it:
sort the parameters by key (byte order, so `_` sorts before lower-case letters), concatenate
`key + value` with no separators, prefix the API path for system APIs (`/auth/token/create`),
then HMAC-SHA256 keyed with the app secret, upper-case hex. `sign` itself is never signed, and
empty values are not sent at all (so they are not signed either).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGN_METHOD = "sha256"


def string_to_sign(params: Mapping[str, str], api_path: str | None = None) -> str:
    """The exact string the platform hashes; `api_path` only for system (slash-path) APIs."""
    body = "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")
    return f"{api_path}{body}" if api_path else body


def sign(params: Mapping[str, str], app_secret: str, api_path: str | None = None) -> str:
    """The 64-character upper-case hex signature of `params`."""
    message = string_to_sign(params, api_path).encode("utf-8")
    return hmac.new(app_secret.encode("utf-8"), message, hashlib.sha256).hexdigest().upper()


def without_empty(params: Mapping[str, str | None]) -> dict[str, str]:
    """Drop empty and missing values: the platform neither expects nor signs them."""
    return {key: value for key, value in params.items() if value is not None and value != ""}
