"""`ordercenter mappings` as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.domain.shops import Shop
from tests.factories import T0


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    environment.update({"ORDERCENTER_DATA_DIR": str(data_dir), "COLUMNS": "200"})
    return subprocess.run([sys.executable, "-m", "ordercenter", *args], capture_output=True, text=True,
                          env=environment, timeout=60, check=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder whose database has one shop, as after 'ordercenter shops add'."""
    container = bootstrap(Settings(data_dir=tmp_path))
    with container.uow() as uow:
        uow.shops.add(Shop(domain="cli.myshopify.com", name="CLI shop", currency="EUR", created_at=T0))
        uow.commit()
    container.engine.dispose()
    return tmp_path


def test_an_import_with_a_bad_row_saves_the_good_ones_shows_the_summary_and_exits_1(data_dir: Path) -> None:
    csv_file = data_dir / "mappings.csv"
    csv_file.write_text("variant_id,supplier_product_id,ship_to_country\n"
                        "40000000001,1005001,\n"
                        "40000000002,1005002,FRANCE\n"
                        "40000000003,1005003,de\n", encoding="utf-8")
    result = run("mappings", "import", str(csv_file), data_dir=data_dir)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "created" in result.stdout and "failed" in result.stdout
    assert "ship_to_country" in result.stdout and "40000000002" in result.stdout
    listed = run("mappings", "list", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    assert "40000000001" in listed.stdout and "40000000003" in listed.stdout
    assert "40000000002" not in listed.stdout


def test_an_import_where_every_row_is_good_exits_0(data_dir: Path) -> None:
    csv_file = data_dir / "mappings.csv"
    csv_file.write_text("variant_id;supplier_product_id\n40000000001;1005001\n", encoding="utf-8-sig")
    result = run("mappings", "import", str(csv_file), "--shop", "cli.myshopify.com", data_dir=data_dir)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unusable_file_is_one_line_on_stderr_and_exit_code_2(data_dir: Path) -> None:
    csv_file = data_dir / "mappings.csv"
    csv_file.write_text("variant,product\n1,2\n", encoding="utf-8")
    result = run("mappings", "import", str(csv_file), data_dir=data_dir)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown columns" in result.stderr
    missing = run("mappings", "import", str(data_dir / "nope.csv"), data_dir=data_dir)
    assert missing.returncode == 2


def test_set_maps_a_variant_and_a_bad_value_names_the_option(data_dir: Path) -> None:
    ok = run("mappings", "set", "--variant", "gid://shopify/ProductVariant/40000000001", "--product", "1005001",
             "--sku-attr", "14:193#Black", "--country", "fr", "--backup-product", "1005009", data_dir=data_dir)
    assert ok.returncode == 0, ok.stderr
    assert "created mapping" in ok.stdout
    bad = run("mappings", "set", "--variant", "40000000001", "--product", "1005001", "--units", "0",
              data_dir=data_dir)
    assert bad.returncode == 2
    assert "units_per_item" in bad.stderr


def test_the_mapping_commands_have_help(data_dir: Path) -> None:
    for command in (["mappings", "import"], ["mappings", "list"], ["mappings", "set"]):
        result = run(*command, "--help", data_dir=data_dir)
        assert result.returncode == 0, command
        assert "Usage" in result.stdout
    import_help = " ".join(run("mappings", "import", "--help", data_dir=data_dir).stdout.split())
    assert "1 when some rows failed" in import_help
