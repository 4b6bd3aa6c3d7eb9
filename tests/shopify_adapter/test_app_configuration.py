"""The shipped shopify.app.toml asks for what the code requests and subscribes to what the code handles."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION, Settings
from ordercenter.domain.webhook_topics import COMPLIANCE_TOPICS, SUBSCRIBED_TOPICS, SUPPORTED_TOPICS
from ordercenter.entrypoints.api.app import create_app

APP_TOML = Path(__file__).resolve().parents[2] / "shopify.app.toml"
PLACEHOLDER_URL = "https://ordercenter.example.com"


@pytest.fixture(scope="module")
def app_config() -> dict[str, Any]:
    return tomllib.loads(APP_TOML.read_text(encoding="utf-8"))


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    """Order Center served at the address the shipped file names (no database is touched)."""
    c = bootstrap(Settings(data_dir=tmp_path, secret_key="t" * 40, public_url=PLACEHOLDER_URL), migrate=False)
    yield c
    c.engine.dispose()


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


def _subscriptions(config: dict[str, Any]) -> list[dict[str, Any]]:
    subscriptions: list[dict[str, Any]] = config["webhooks"]["subscriptions"]
    return subscriptions


def test_the_file_subscribes_to_exactly_the_topics_the_code_subscribes_to(app_config: dict[str, Any]) -> None:
    topics = [topic for s in _subscriptions(app_config) for topic in s.get("topics", [])]

    assert sorted(topics) == sorted(SUBSCRIBED_TOPICS)
    assert set(topics) <= SUPPORTED_TOPICS


def test_the_file_subscribes_to_the_compliance_topics_the_code_handles(app_config: dict[str, Any]) -> None:
    compliance = [topic for s in _subscriptions(app_config) for topic in s.get("compliance_topics", [])]

    assert sorted(compliance) == sorted(COMPLIANCE_TOPICS)
    assert set(compliance) <= SUPPORTED_TOPICS


def test_the_scopes_are_those_the_install_asks_for(app_config: dict[str, Any]) -> None:
    requested = Settings.model_fields["shopify_scopes"].default

    assert sorted(app_config["access_scopes"]["scopes"].split(",")) == sorted(requested.split(","))


def test_webhooks_are_serialized_in_the_pinned_api_version(app_config: dict[str, Any]) -> None:
    assert app_config["webhooks"]["api_version"] == DEFAULT_SHOPIFY_API_VERSION


def test_the_redirect_url_is_the_install_callback_the_app_serves(app_config: dict[str, Any], app: FastAPI) -> None:
    [redirect] = app_config["auth"]["redirect_urls"]

    assert urlsplit(redirect).path == app.url_path_for("callback")
    assert redirect == PLACEHOLDER_URL + app.url_path_for("callback")


def test_the_app_url_starts_the_install_the_app_serves(app_config: dict[str, Any], app: FastAPI) -> None:
    assert app_config["application_url"] == PLACEHOLDER_URL + app.url_path_for("install")
    assert app_config["embedded"] is False


def test_every_subscription_delivers_to_the_webhook_endpoint(app_config: dict[str, Any], app: FastAPI,
                                                             container: Container) -> None:
    uris = {s["uri"] for s in _subscriptions(app_config)}

    assert uris == {container.webhook_callback_url}
    assert {urlsplit(uri).path for uri in uris} == {app.url_path_for("shopify_webhook")}


def test_the_file_carries_no_real_credentials(app_config: dict[str, Any]) -> None:
    assert app_config["client_id"] == "REPLACE-WITH-YOUR-CLIENT-ID"
    assert not {"client_secret", "api_secret", "access_token"} & set(app_config)
