"""Shopify Admin API versions: release dates, end of support, when Order Center warns, the setting."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION, Settings
from ordercenter.domain.api_versions import ApiVersion, support_warning
from ordercenter.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("handle", "released", "supported_until"),
    [
        ("2026-01", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-04", date(2026, 4, 1), date(2027, 4, 1)),
        ("2026-07", date(2026, 7, 1), date(2027, 7, 1)),
        ("2026-10", date(2026, 10, 1), date(2027, 10, 1)),
    ],
)
def test_a_version_is_released_on_the_first_of_its_month_and_supported_for_twelve_months(
    handle: str, released: date, supported_until: date
) -> None:
    version = ApiVersion.parse(handle)

    assert version.released_on == released
    assert version.supported_until == supported_until
    assert version.handle == str(version) == handle


def test_versions_order_by_release() -> None:
    assert ApiVersion.parse("2025-10") < ApiVersion.parse("2026-01") < ApiVersion.parse("2026-10")


@pytest.mark.parametrize("handle", ["2026-02", "2026-13", "2026-00", "2026-1", "26-10", "2026/10", "latest", ""])
def test_anything_but_a_quarterly_yyyy_mm_is_refused_naming_the_field(handle: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ApiVersion.parse(handle, field="shopify_api_version")

    assert refused.value.field == "shopify_api_version"
    assert f"'{handle}'" in refused.value.message


def test_no_warning_more_than_90_days_before_the_end_of_support() -> None:
    # 2026-10 is supported until 2027-10-01; 91 days before is 2027-07-02.
    assert support_warning("2026-10", date(2026, 12, 2)) is None
    assert support_warning("2026-10", date(2027, 7, 2)) is None


def test_a_warning_from_90_days_before_the_end_of_support_says_how_long_is_left() -> None:
    warning = support_warning("2026-10", date(2027, 7, 3))

    assert warning is not None
    assert "2026-10" in warning
    assert "2027-10-01" in warning
    assert "90 days left" in warning
    assert "ORDERCENTER_SHOPIFY_API_VERSION" in warning
    assert "1 day left" in (support_warning("2026-10", date(2027, 9, 30)) or "")


def test_a_version_past_its_support_is_said_to_be_served_by_another() -> None:
    on_the_day = support_warning("2025-01", date(2026, 1, 1))
    long_after = support_warning(ApiVersion.parse("2025-01"), date(2026, 12, 2))

    for warning in (on_the_day, long_after):
        assert warning is not None
        assert "past its support" in warning
        assert "oldest version it still supports" in warning


def test_the_setting_defaults_to_the_pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERCENTER_SHOPIFY_API_VERSION", raising=False)

    assert Settings().shopify_api_version == DEFAULT_SHOPIFY_API_VERSION == "2026-10"


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERCENTER_SHOPIFY_API_VERSION", "2026-07")

    assert Settings().shopify_api_version == "2026-07"


def test_a_setting_outside_the_quarter_months_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(shopify_api_version="2026-11")

    [error] = refused.value.errors()
    assert error["loc"] == ("shopify_api_version",)
    assert "01, 04, 07 and 10" in str(error["msg"])
