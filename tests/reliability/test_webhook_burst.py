"""A burst of signed order webhooks, with repeats and updates before creates, while people read the orders.

It runs `bench.webhook_burst` (which checks the database afterwards) in short mode; with
ORDERCENTER_LONG_TESTS=1, the full 10,000 webhooks from a separate server process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench import webhook_burst
from bench.webhooks import SHOPIFY_DEADLINE_SECONDS

from tests.conftest import BACKENDS, settings_for
from tests.reliability import LONG

# Sized for the CI budget on a shared 2-core machine; PostgreSQL answers the same work more slowly here.
SHORT_WEBHOOKS = {"sqlite": 500, "postgresql": 300}
FULL_WEBHOOKS = 10_000


@pytest.mark.timeout(1800 if LONG else 120)  # the full burst takes about 10 minutes on a shared 2-core machine
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_burst_of_webhooks_keeps_every_order_once_in_its_latest_state_and_answers_each_within_5_s(
        backend: str, request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given: an empty database of that backend
    database_url = settings_for(backend, request, tmp_path).database_url
    webhooks = FULL_WEBHOOKS if LONG else SHORT_WEBHOOKS[backend]
    # when: the burst is sent, 16 in flight, while two readers take turns at the orders page and the API list
    figures = webhook_burst.run(webhooks, concurrency=16, readers=2, read_pause=0.5, database_url=database_url,
                                server="process" if LONG else "thread", data_dir=tmp_path)
    webhook_burst.report(figures)
    # then
    printed = capsys.readouterr().out
    print(printed)  # noqa: T201  (the figures, shown when an assertion below fails)
    assert json.loads(printed.splitlines()[-1]) == figures  # the bench's last line
    repeats = round(webhooks * webhook_burst.DUPLICATE_SHARE)
    assert figures["webhooks_sent"] == webhooks
    assert figures["reordered_orders"] > 0
    assert figures["answers_by_status"] == {"200": webhooks}
    assert figures["answers_by_outcome"] == {"duplicate": repeats, "received": webhooks - repeats}
    assert figures["answers_over_deadline"] == 0
    assert figures["answer_max_ms"] < SHOPIFY_DEADLINE_SECONDS * 1000
    assert (figures["orders_missing"], figures["orders_extra"], figures["orders_not_latest"]) == (0, 0, 0)
    assert (figures["webhooks_dropped"], figures["webhooks_stored_twice"], figures["deliveries_waiting"]) == (0, 0, 0)
    assert figures["orders_page_reads"] > 0 and figures["api_list_reads"] > 0
    assert figures["read_errors"] == 0
    assert figures["ok"] is True
