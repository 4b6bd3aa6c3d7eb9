"""Every command that takes a number, given numbers out of range: one line on stderr, exit 2, no traceback.

The commands are walked from the CLI itself, so a new one is covered as soon as it exists. Each runs
in-process (`cli.main`, what the `ordercenter` script calls) on a data folder with one connected shop.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperArgument, TyperGroup

from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints import cli
from tests.factories import T0

OUT_OF_RANGE = ["0", "-1", str(2**31), str(2**63), str(10**30)]
# Commands that serve or run until stopped: their numbers are ports and periods, tested where they start.
LONG_RUNNING = {"serve", "demo", "worker"}


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(group, TyperGroup):
        for name, command in sorted(group.commands.items()):
            if name not in LONG_RUNNING:
                yield from _commands(command, (*path, name))
    else:
        yield path, group


def _is_number(param: Any) -> bool:
    return getattr(param, "type_descriptor", None) is not None and param.type_descriptor.annotation is int


def _invocation(command: Any, number: Any, value: str) -> list[str]:
    """The command with `value` for `number`, every other argument filled in (an id: 1; text: x)."""
    args: list[str] = []
    for param in command.params:
        if isinstance(param, TyperArgument):
            args.append(value if param is number else ("1" if _is_number(param) else "x"))
        elif param is number:
            args += [param.opts[0], value]
    return args


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    container = bootstrap(Settings(data_dir=tmp_path))
    with container.uow() as uow:
        uow.shops.add(Shop(domain="numbers.myshopify.com", name="Numbers", currency="EUR", created_at=T0))
        uow.commit()
    container.engine.dispose()
    for name in [n for n in os.environ if n.startswith("ORDERCENTER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(tmp_path))
    return tmp_path


def test_no_command_fails_with_a_traceback_on_a_number_out_of_range(data_dir: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = typer.main.get_command(cli.app)
    tried = 0
    for path, command in _commands(root):
        for number in [param for param in command.params if _is_number(param)]:
            for value in OUT_OF_RANGE:
                argv = [*path, *_invocation(command, number, value)]
                code = cli.main(argv)  # an exception escaping here is the traceback a user would see
                err = capsys.readouterr().err
                assert code in (0, 1, 2), (argv, code, err)
                if code != 0:
                    assert err.strip().count("\n") == 0 and "Traceback" not in err, (argv, err)
                tried += 1
    assert tried >= 20, tried
