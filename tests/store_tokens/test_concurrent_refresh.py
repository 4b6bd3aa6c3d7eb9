"""Two workers refreshing the same shop at the same moment send its refresh token once (PostgreSQL row lock)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import StoreTokenRefresher, StoreTokens
from ordercenter.services.store_tokens import TokenRefreshReport, refresh_expiring_tokens
from tests.conftest import POSTGRES_URL, settings_for
from tests.store_tokens.conftest import World, make_world

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs ORDERCENTER_TEST_POSTGRES_URL")


class SlowRefresher:
    """The real refresher, slowed so a second worker without the lock would read the row before the commit."""

    def __init__(self, inner: StoreTokenRefresher) -> None:
        self.inner = inner

    def refresh(self, shop_domain: str, refresh_token: str, api_url: str | None) -> StoreTokens:
        time.sleep(0.3)
        return self.inner.refresh(shop_domain, refresh_token, api_url)


@pytest.fixture
def pg_world(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock) -> Iterator[World]:
    yield from make_world(settings_for("postgresql", request, tmp_path), clock)


def test_two_workers_refreshing_at_once_send_the_refresh_token_once(pg_world: World) -> None:
    world = pg_world
    world.install()
    world.clock.advance(timedelta(minutes=55))
    refresher = SlowRefresher(world.container.store_token_refresher)
    start = threading.Barrier(2)
    reports: list[TokenRefreshReport] = []

    def worker() -> None:
        start.wait()
        reports.append(refresh_expiring_tokens(world.container.uow(), refresher, world.container.secrets,
                                               world.clock.now(), public_url=world.url))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(r.refreshed for r in reports) == [0, 1]
    assert [g["accepted"] for g in world.refresh_grants()] == [True]
    assert world.container.store_for(world.shop()).fetch_shop().name == "Tokens Test"
