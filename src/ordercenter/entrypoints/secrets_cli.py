"""`ordercenter secrets …`: moving stored secrets to a new encryption key."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercenter.entrypoints.cli_context import CliError, container, out
from ordercenter.services.secret_rotation import BATCH_SIZE, rotate_secrets

secrets_app = typer.Typer(help="The key that encrypts store and supplier tokens at rest.", no_args_is_help=True)


@secrets_app.command("rotate")
def secrets_rotate(batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per commit")] = BATCH_SIZE,
                   ) -> None:
    """Re-encrypt every stored secret with ORDERCENTER_SECRET_KEY (old keys in ORDERCENTER_SECRET_KEYS_PREVIOUS)."""
    c = container()
    report = rotate_secrets(c.uow(), c.secrets, batch_size=batch_size)
    for column, count in report.rotated.items():
        out.print(f"{column}: {count} re-encrypted")
    out.print(f"{report.rotated_total} re-encrypted with the current key, {report.already_current} already were"
              + (f", {report.changed_meanwhile} rewritten meanwhile by a running process" if report.changed_meanwhile
                 else ""))
    if report.unreadable_total:
        where = ", ".join(f"{column} ({count})" for column, count in report.unreadable.items())
        raise CliError(f"{report.unreadable_total} secrets could not be decrypted with the current or previous keys: "
                       f"{where}; keep every old key in ORDERCENTER_SECRET_KEYS_PREVIOUS until this reports none")
    if c.settings.previous_secret_keys:
        out.print("every secret is under the current key: ORDERCENTER_SECRET_KEYS_PREVIOUS can be removed")
