"""Settings of one sandbox supplier, with generated demo credentials (never real ones)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path


def _app_key() -> str:
    # Real app keys are 6–8 digits; a leading 9 keeps sandbox keys recognisable.
    return "9" + "".join(secrets.choice("0123456789") for _ in range(7))


@dataclass
class SandboxConfig:
    """Everything tunable about the sandbox supplier; defaults behave like a healthy platform."""

    app_key: str = field(default_factory=_app_key)
    app_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    # A ready-made access token for the demo account, so the demo works without the OAuth dance.
    access_token: str = field(default_factory=lambda: "sbx_" + secrets.token_hex(20))
    # The brief asks for ±15 minutes; the published IOP rule is 7200 s. Either fits a healthy clock.
    timestamp_window: timedelta = timedelta(minutes=15)
    auto_pay_enabled: bool = True  # try_to_pay pays at once (a DS-certified account)
    pay_timeout: timedelta = timedelta(hours=24)  # unpaid orders close after this
    repeat_window: timedelta = timedelta(hours=24)  # out_order_id is unique for this long
    cancel_decision_delay: timedelta = timedelta(0)  # the seller decides a paid cancellation after this
    seller_reply_delay: timedelta = timedelta(hours=2)
    seller_silent: bool = False  # the seller never answers messages
    access_token_ttl: timedelta = timedelta(days=1)  # an app in test status
    refresh_token_ttl: timedelta = timedelta(days=2)
    demo_token_ttl: timedelta = timedelta(days=3650)
    code_ttl: timedelta = timedelta(minutes=10)
    calls_per_second: float | None = None  # enforce ApiCallLimit per app key; None = unlimited
    return_ship_within: timedelta = timedelta(days=10)
    # Where the supplier keeps its credentials, orders, after-sale records and tokens across restarts (the
    # demo's data folder); None keeps them in memory only, as tests and benchmarks want.
    state_file: Path | None = None
    # The bearer token `/_operator/` demands (see sandbox/operator_access.py); None leaves it open (tests).
    operator_token: str | None = None

    def credentials(self) -> dict[str, str]:
        """What the demo prints: the app key and secret, and the demo account's access token."""
        return {"app_key": self.app_key, "app_secret": self.app_secret, "access_token": self.access_token}
