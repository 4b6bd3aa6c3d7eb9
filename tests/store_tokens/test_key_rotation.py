"""Key rotation: a new key encrypts, old keys still decrypt, `ordercenter secrets rotate` moves every
stored secret to the new key, after which the old key can go."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordercenter.adapters.secrets import SecretBox
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.shops import Shop
from ordercenter.domain.suppliers import SupplierAccount, SupplierPlatformKind
from ordercenter.entrypoints.cli import main
from tests.conftest import settings_for
from tests.factories import T0

KEY_A, KEY_B, KEY_C = "a" * 40, "b" * 40, "c" * 40
PLAIN = {"access": "shpat_secret", "webhook": "whsec_secret", "refresh": "shprt_secret", "app": "app_secret",
         "supplier_access": "ae_access", "supplier_refresh": "ae_refresh"}


@pytest.fixture
def data_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A data folder holding an empty migrated SQLite database."""
    settings_for("sqlite", request, tmp_path)
    return tmp_path


def _seed(data_dir: Path, key: str) -> None:
    """A shop with an expiring install's secrets and a supplier account with its own, under `key`."""
    box = SecretBox(key)
    container = bootstrap(Settings(data_dir=data_dir, secret_key=key), migrate=False)
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="rotate.myshopify.com", name="Rotate", created_at=T0,
                                  access_token_encrypted=box.encrypt(PLAIN["access"]),
                                  webhook_secret_encrypted=box.encrypt(PLAIN["webhook"]),
                                  refresh_token_encrypted=box.encrypt(PLAIN["refresh"])))
        uow.flush()
        uow.supplier_accounts.add(SupplierAccount(
            shop_id=shop.id, platform=SupplierPlatformKind.ALIEXPRESS, name="AE", app_key="123", created_at=T0,
            app_secret_encrypted=box.encrypt(PLAIN["app"]),
            access_token_encrypted=box.encrypt(PLAIN["supplier_access"]),
            refresh_token_encrypted=box.encrypt(PLAIN["supplier_refresh"])))
        uow.commit()
    container.engine.dispose()


def _stored(data_dir: Path) -> list[str]:
    container = bootstrap(Settings(data_dir=data_dir, secret_key=KEY_C), migrate=False)
    with container.uow() as uow:
        shop = uow.shops.all()[0]
        account = uow.supplier_accounts.all(shop.id)[0]
        values = [shop.access_token_encrypted, shop.webhook_secret_encrypted, shop.refresh_token_encrypted,
                  account.app_secret_encrypted, account.access_token_encrypted, account.refresh_token_encrypted]
    container.engine.dispose()
    return [v for v in values if v is not None]


def _rotate(monkeypatch: pytest.MonkeyPatch, data_dir: Path, current: str, previous: str) -> int:
    monkeypatch.setenv("ORDERCENTER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ORDERCENTER_SECRET_KEY", current)
    monkeypatch.setenv("ORDERCENTER_SECRET_KEYS_PREVIOUS", previous)
    return main(["secrets", "rotate"])


def test_after_a_rotation_the_new_key_alone_decrypts_every_stored_secret(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(data_dir, KEY_A)

    code = _rotate(monkeypatch, data_dir, KEY_B, KEY_A)

    output = capsys.readouterr().out
    assert code == 0
    assert "shops.refresh_token_encrypted: 1 re-encrypted" in output
    assert "supplier_accounts.app_secret_encrypted: 1 re-encrypted" in output
    assert "6 re-encrypted with the current key, 0 already were" in output
    only_b = SecretBox(KEY_B)  # key A dropped
    assert sorted(only_b.decrypt(v) for v in _stored(data_dir)) == sorted(PLAIN.values())
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox(KEY_A).decrypt(_stored(data_dir)[0])


def test_rotating_again_rewrites_nothing(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _seed(data_dir, KEY_A)
    _rotate(monkeypatch, data_dir, KEY_B, KEY_A)
    before = _stored(data_dir)

    code = _rotate(monkeypatch, data_dir, KEY_B, KEY_A)

    assert code == 0
    assert "0 re-encrypted with the current key, 6 already were" in capsys.readouterr().out
    assert _stored(data_dir) == before


def test_a_secret_under_a_key_nobody_listed_stops_the_rotation_with_a_clear_error(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(data_dir, KEY_C)

    code = _rotate(monkeypatch, data_dir, KEY_B, KEY_A)

    assert code == 2
    error = capsys.readouterr().err
    assert "6 secrets could not be decrypted" in error and "shops.access_token_encrypted (1)" in error
    assert error.count("\n") == 1
    assert sorted(SecretBox(KEY_C).decrypt(v) for v in _stored(data_dir)) == sorted(PLAIN.values())


def test_a_new_key_encrypts_while_the_previous_one_still_decrypts() -> None:
    old = SecretBox(KEY_A).encrypt("shpat_old")

    both = SecretBox(KEY_B, [KEY_A])

    assert both.decrypt(old) == "shpat_old"
    assert SecretBox(KEY_B).decrypt(both.encrypt("shpat_new")) == "shpat_new"
    assert not both.is_current(old)


def test_the_secret_key_can_come_from_a_file_outside_the_data_folder(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "ordercenter.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY_B + "\n")

    settings = Settings(data_dir=tmp_path / "data", secret_key_file=key_file)

    assert settings.resolved_secret_key() == KEY_B
    assert not (tmp_path / "data" / "secret.key").exists()


@pytest.mark.parametrize(("content", "words"), [(None, "cannot read"), ("short", "at least 32 characters")])
def test_an_unusable_key_file_is_an_error_naming_the_setting(tmp_path: Path, content: str | None,
                                                             words: str) -> None:
    key_file = tmp_path / "ordercenter.key"
    if content is not None:
        key_file.write_text(content)

    with pytest.raises(InvalidInput) as caught:
        Settings(data_dir=tmp_path, secret_key_file=key_file).resolved_secret_key()

    assert words in caught.value.message
    assert caught.value.field == "secret_key_file"
