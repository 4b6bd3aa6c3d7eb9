"""Re-encrypting every stored secret with the current key, so that an old key can be retired.

Every `*_encrypted` column of every table is walked in batches (one commit each, so a long run holds
no lock for long and an interrupted run simply starts again: values already under the current key
are skipped). A value is written back only if it did not change meanwhile: a token refreshed by a
running worker is already under the current key and must not be overwritten with the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordercenter.adapters.db.encrypted_columns import EncryptedColumn, encrypted_columns
from ordercenter.adapters.ports import SecretRotation
from ordercenter.services.uow import UnitOfWork

BATCH_SIZE = 200


@dataclass
class RotationReport:
    rotated: dict[str, int] = field(default_factory=dict)  # "table.column" → values re-encrypted
    already_current: int = 0
    changed_meanwhile: int = 0  # rewritten by someone else during the run (with the current key)
    unreadable: dict[str, int] = field(default_factory=dict)  # no known key decrypts them

    @property
    def rotated_total(self) -> int:
        return sum(self.rotated.values())

    @property
    def unreadable_total(self) -> int:
        return sum(self.unreadable.values())


def _rotate_column(uow: UnitOfWork, secrets: SecretRotation, column: EncryptedColumn, batch_size: int,
                   report: RotationReport) -> None:
    after_id = 0
    while True:
        with uow:
            values = uow.encrypted.batch(column, after_id=after_id, limit=batch_size)
            if not values:
                return
            for value in values:
                if secrets.is_current(value.ciphertext):
                    report.already_current += 1
                    continue
                try:
                    rotated = secrets.rotate(value.ciphertext)
                except ValueError:
                    report.unreadable[str(column)] = report.unreadable.get(str(column), 0) + 1
                    continue
                if uow.encrypted.replace(column, value.row_id, value.ciphertext, rotated):
                    report.rotated[str(column)] = report.rotated.get(str(column), 0) + 1
                else:
                    report.changed_meanwhile += 1
            uow.commit()
            after_id = values[-1].row_id


def rotate_secrets(uow: UnitOfWork, secrets: SecretRotation, *, batch_size: int = BATCH_SIZE) -> RotationReport:
    """Re-encrypt every stored secret with the current key; returns the counts per column."""
    report = RotationReport()
    for column in encrypted_columns():
        report.rotated.setdefault(str(column), 0)
        _rotate_column(uow, secrets, column, batch_size, report)
    return report
