"""`ordercenter deadlines`: what needs the merchant now, soonest first."""

from __future__ import annotations


def deadlines() -> None:
    """What needs you now, soonest first: closing protection windows, payments, refunds, customers, sellers."""
    raise NotImplementedError
