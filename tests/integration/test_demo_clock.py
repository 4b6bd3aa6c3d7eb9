"""The demo's clock: one offset in a file, seen by every process of the demo, moved only forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ordercenter.adapters.clock import OffsetClock
from ordercenter.config import Settings
from ordercenter.entrypoints.cli import main
from ordercenter.entrypoints.cli_context import demo_clock_file


def test_an_advance_written_by_one_clock_is_seen_by_another_on_the_same_file(tmp_path: Path) -> None:
    server, command_line = OffsetClock(tmp_path / "demo-clock.json"), OffsetClock(tmp_path / "demo-clock.json")
    assert abs(server.now() - datetime.now(UTC)) < timedelta(seconds=5)
    command_line.advance(timedelta(days=91))
    assert server.offset == timedelta(days=91)
    assert server.now() - datetime.now(UTC) > timedelta(days=90, hours=23)
    with pytest.raises(ValueError, match="only moves forward"):
        server.advance(timedelta(days=-1))


def test_only_a_demo_folder_gives_the_command_line_the_demos_clock(tmp_path: Path) -> None:
    assert demo_clock_file(Settings(data_dir=tmp_path)).demo_clock_file is None
    (tmp_path / "demo.json").write_text("{}")
    assert demo_clock_file(Settings(data_dir=tmp_path)).demo_clock_file == tmp_path / "demo-clock.json"


def test_the_clock_command_moves_a_demos_time_and_refuses_a_folder_without_a_demo(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "clock", "advance", "--days", "3", "--data-dir", str(tmp_path)]) == 2
    assert "no demo" in capsys.readouterr().err
    (tmp_path / "demo.json").write_text("{}")
    assert main(["sandbox", "clock", "advance", "--days", "3", "--data-dir", str(tmp_path)]) == 0
    assert OffsetClock(tmp_path / "demo-clock.json").offset == timedelta(days=3)
