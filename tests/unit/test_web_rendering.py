"""How the pages write money, times and stages, and how long the tab counts are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ordercenter.domain.access import StaffRole
from ordercenter.domain.money import Money
from ordercenter.domain.status import Stage
from ordercenter.entrypoints.web.rendering import build_templates, money, stage_badge
from ordercenter.services.web_sessions import SignedInPerson


def _person(zone: str) -> SignedInPerson:
    return SignedInPerson(1, 1, "Shop", "USD", zone, 1, "a@b.example", StaffRole.OWNER, "csrf")


def test_money_has_its_currency_symbol_and_the_currencys_decimals() -> None:
    assert money(Money(Decimal("1234.5"), "USD")) == "$1,234.50"
    assert money(Money(Decimal("1250"), "JPY")) == "¥1,250"
    assert money(Money(Decimal("12.3456"), "KWD")) == "KWD12.346"
    assert money(Decimal("-3.1"), "EUR") == "-€3.10"
    assert money(None) == "—"


def test_a_time_is_shown_in_the_shops_zone_with_the_zone_on_hover() -> None:
    env = build_templates().env
    html = env.from_string("{{ at|when }}").render(at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
                                                   person=_person("Europe/Paris"))
    assert html == '<time datetime="2026-07-01T12:00:00+00:00" title="Europe/Paris">1 Jul 2026, 14:00</time>'


def test_a_stage_badge_always_carries_the_word_beside_its_tone() -> None:
    assert stage_badge(Stage.NEEDS_ATTENTION) == '<span class="badge badge-attention">Needs attention</span>'
    assert stage_badge(Stage.DELIVERED, partial=True) == '<span class="badge badge-success">Delivered (partial)</span>'
    assert stage_badge(Stage.TO_ORDER) == '<span class="badge badge-neutral">To order</span>'
