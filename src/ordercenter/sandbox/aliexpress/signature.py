"""The platform side of request signing: the same IOP HMAC-SHA256, checked instead of produced.

A copy of the algorithm on purpose: the sandbox must not import the adapter it is testing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def expected_signature(params: Mapping[str, str], app_secret: str, api_path: str | None = None) -> str:
    body = "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")
    message = f"{api_path}{body}" if api_path else body
    return hmac.new(app_secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def signature_matches(params: Mapping[str, str], app_secret: str, api_path: str | None = None) -> bool:
    given = params.get("sign", "")
    return hmac.compare_digest(given.upper(), expected_signature(params, app_secret, api_path))
