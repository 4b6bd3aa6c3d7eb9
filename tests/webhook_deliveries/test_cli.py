"""`ordercenter webhooks list|show|replay` on the same database as the running server."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordercenter.domain.webhooks import DeliveryStatus
from ordercenter.entrypoints.cli import main
from ordercenter.entrypoints.worker import apply_pending_webhooks
from tests.webhook_deliveries.conftest import World
from tests.webhook_deliveries.test_retries import SCHEDULE


def cli(world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *args: str) -> tuple[int, str, str]:
    """Run the command as `ordercenter …` does, with the server's settings in the environment."""
    settings = world.settings
    for name, value in (("DATA_DIR", str(settings.data_dir)), ("SECRET_KEY", settings.secret_key),
                        ("DATABASE_URL", settings.database_url)):
        if value is None:
            monkeypatch.delenv(f"ORDERCENTER_{name}", raising=False)
        else:
            monkeypatch.setenv(f"ORDERCENTER_{name}", value)
    monkeypatch.setenv("COLUMNS", "250")
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_given_up_deliveries_are_listed_and_one_replayed_once_its_cause_is_fixed(
        world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # given: both webhooks of an order gave up
    create, paid = world.order_that_fails_to_apply()
    for wait in SCHEDULE:
        world.clock.advance(wait)
        apply_pending_webhooks(world.container)
    # when / then: the list shows them, with their tries and the error
    code, out, err = cli(world, capsys, monkeypatch, "webhooks", "list", "--failed")
    assert (code, err) == (0, "")
    rows = [line for line in out.splitlines() if "orders/" in line]
    for delivery, row in zip(sorted([create, paid], key=lambda d: d.id, reverse=True), rows, strict=True):
        assert str(delivery.id) in row and delivery.topic in row and "gave up" in row and " 8 " in row, row
    assert "IntegrityError" in out
    # when / then: one delivery with its body
    code, out, _ = cli(world, capsys, monkeypatch, "webhooks", "show", str(create.id))
    assert code == 0 and '"line_items"' in out
    # when / then: replayed after the fix, it is applied and its alert cleared
    world.fix_the_cause()
    code, out, err = cli(world, capsys, monkeypatch, "webhooks", "replay", str(create.id))
    assert (code, err) == (0, "")
    assert f"delivery {create.id} (orders/create): processed" in out
    assert world.delivery(create.id).status is DeliveryStatus.PROCESSED
    assert [a.is_open for a in world.alerts() if a.subject.endswith(f":{create.id}")] == [False]
    # when / then: replaying it again is refused, one line on stderr, exit code 2
    code, out, err = cli(world, capsys, monkeypatch, "webhooks", "replay", str(create.id))
    assert code == 2
    assert err.strip() == (f"ordercenter: error: webhook delivery {create.id} was applied already (processed) "
                           "[delivery_id]")


def test_contradicting_state_options_are_one_line_and_exit_code_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(tmp_path))
    for args in (["--failed", "--status", "processed"], ["--status", "lost"]):
        assert main(["webhooks", "list", *args]) == 2
        err = capsys.readouterr().err
        assert err.strip().count("\n") == 0 and "--status" in err, err
