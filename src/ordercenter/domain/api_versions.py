"""Shopify Admin API versions: when each is released, how long Shopify supports it, when to warn.

Shopify releases a version each quarter, on the first day of January, April, July and October, and
supports it for at least 12 months. A request to a version past its support is served by the oldest
supported version instead, so an app pinned too long silently starts speaking a newer API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ordercenter.domain.errors import InvalidInput

# The version Order Center's GraphQL documents are written for and checked against.
DEFAULT_API_VERSION = "2026-10"

RELEASE_MONTHS = (1, 4, 7, 10)
# Shopify's documented minimum; a version may stay longer, never shorter.
SUPPORT_MONTHS = 12
WARNING_DAYS = 90

_HANDLE = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class ApiVersion:
    """One quarterly Admin API version, such as 2026-10."""

    year: int
    month: int

    @classmethod
    def parse(cls, handle: str, *, field: str = "api_version") -> ApiVersion:
        """The version named `YYYY-MM`, with a quarter month (01, 04, 07 or 10)."""
        match = _HANDLE.fullmatch(handle.strip())
        if match is None:
            raise InvalidInput(f"'{handle}' is not a Shopify API version like {DEFAULT_API_VERSION} (YYYY-MM)",
                               field=field)
        year, month = int(match.group(1)), int(match.group(2))
        if month not in RELEASE_MONTHS:
            raise InvalidInput(f"'{handle}' is not a Shopify API version: versions are released in "
                               "months 01, 04, 07 and 10", field=field)
        return cls(year, month)

    @property
    def handle(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def released_on(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def supported_until(self) -> date:
        """The first day Shopify may stop serving this version (release + 12 months)."""
        months = self.year * 12 + self.month - 1 + SUPPORT_MONTHS
        return date(months // 12, months % 12 + 1, 1)

    def __str__(self) -> str:
        return self.handle


def support_warning(version: str | ApiVersion, today: date) -> str | None:
    """A warning when `version` is within 90 days of the end of its support or past it; None otherwise."""
    pinned = version if isinstance(version, ApiVersion) else ApiVersion.parse(version)
    ends = pinned.supported_until
    days_left = (ends - today).days
    if days_left > WARNING_DAYS:
        return None
    advice = ("upgrade Order Center, whose newer releases pin a newer version, or set "
              "ORDERCENTER_SHOPIFY_API_VERSION to a newer version it supports")
    if days_left <= 0:
        return (f"Shopify Admin API version {pinned} is past its support (ended {ends:%Y-%m-%d}): Shopify "
                f"answers with the oldest version it still supports instead; {advice}")
    return (f"Shopify Admin API version {pinned} reaches the end of its support on {ends:%Y-%m-%d} "
            f"({days_left} day{'s' if days_left != 1 else ''} left); {advice}")

