"""Settings: one place, read from ORDERCENTER_* environment variables and a `.env` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ordercenter.domain.api_versions import DEFAULT_API_VERSION, ApiVersion
from ordercenter.domain.errors import InvalidInput

_SUPPORTED_DATABASES = ("sqlite", "postgresql")

# The Admin API version the Shopify client speaks unless ORDERCENTER_SHOPIFY_API_VERSION says otherwise.
DEFAULT_SHOPIFY_API_VERSION = DEFAULT_API_VERSION


class Settings(BaseSettings):
    """Everything configurable. The embedded default needs none of it set."""

    model_config = SettingsConfigDict(env_prefix="ORDERCENTER_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file, files and keys")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite in data_dir")
    broker_url: str | None = Field(default=None, description="redis:// or amqp:// for Dramatiq; default: in-process")
    smtp_url: str | None = Field(default=None, description="smtp://user:pass@host:port for e-mail")
    log_format: Literal["json", "console"] | None = Field(default=None, description="json (one object a line) or "
                                                          "console; default: json for serve and worker, console "
                                                          "for the demo")
    log_level: str | None = Field(default=None, description="debug, info, warning or error; default: info "
                                  "(warning for the demo)")
    metrics_token: str | None = Field(default=None, description="When set, GET /metrics needs "
                                      "'Authorization: Bearer <this>'")
    files_dir: Path | None = Field(default=None, description="Local file store; default: data_dir/files")
    evidence_max_photo_bytes: int = Field(default=10 * 1024 * 1024, ge=1, description="Largest evidence photo")
    evidence_max_video_bytes: int = Field(default=100 * 1024 * 1024, ge=1, description="Largest evidence video")
    evidence_max_files: int = Field(default=5, ge=1, le=50, description="Evidence files per return request")
    secret_key: str | None = Field(default=None, description="Encrypts tokens at rest; default: data_dir/secret.key")
    secret_key_file: Path | None = Field(default=None, description="A file holding the secret key (keep it "
                                         "outside data_dir), instead of ORDERCENTER_SECRET_KEY")
    secret_keys_previous: str | None = Field(default=None, description="Comma-separated old keys that still "
                                             "decrypt while `ordercenter secrets rotate` re-encrypts")
    public_url: str = Field(default="http://127.0.0.1:8000", description="Where stores and people reach us")
    forwarded_allow_ips: str = Field(default="127.0.0.1", description="Comma-separated addresses (or networks, "
                                     "or *) of the proxies whose X-Forwarded-For and X-Forwarded-Proto are "
                                     "believed; anyone else's are ignored")
    supplier_rate_limit_per_second: float = Field(default=20.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50, description="Tries of a store webhook that fails "
                                      "to apply (30 s apart, doubling, at most 1 h) before an alert")
    # Shopify's order webhooks weigh a few kilobytes (tens for an order of a hundred lines); 1 MiB leaves
    # room for any real one while a request cannot make us hold, sign-check and store megabytes.
    webhook_max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Largest store webhook body "
                                        "accepted; a larger one is refused with 413 before it is read")
    placement_attention_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60, description="Minutes an "
                                             "interrupted placement waits for the supplier's look-up to work "
                                             "before it needs attention (with an alert)")
    shopify_client_id: str | None = Field(default=None, description="Public app: client id (API key)")
    shopify_client_secret: str | None = Field(default=None, description="Public app: client secret")
    shopify_scopes: str = Field(
        default="read_orders,write_orders,read_merchant_managed_fulfillment_orders,"
                "write_merchant_managed_fulfillment_orders,read_customers,write_customers",
        description="Scopes the public app asks for")
    shopify_api_version: str = Field(default=DEFAULT_SHOPIFY_API_VERSION,
                                     description="Shopify Admin API version (YYYY-MM, a quarter month)")
    demo_clock_file: Path | None = Field(default=None, description="Demo only: the file that holds how far the "
                                         "demo's clock was moved forward (ordercenter sandbox clock advance)")
    shopify_api_url: str | None = Field(default=None, description="Shopify base address for installs "
                                        "instead of https://SHOP (a sandbox)")

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"'{value}' is not a database URL like sqlite:///path or "
                             "postgresql://user@host/db") from None
        if url.get_backend_name() not in _SUPPORTED_DATABASES:
            raise ValueError(f"database '{url.get_backend_name()}' is not supported; use sqlite or postgresql")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level_is_known(cls, value: str | None) -> str | None:
        if value is not None and value.strip().upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"'{value}' is not a log level; use debug, info, warning or error")
        return value.strip().lower() if value is not None else None

    @field_validator("shopify_api_version")
    @classmethod
    def _shopify_api_version_is_quarterly(cls, value: str) -> str:
        try:
            return ApiVersion.parse(value, field="shopify_api_version").handle
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_strong(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("the secret key must be at least 32 characters")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL in use, with the psycopg 3 driver for PostgreSQL."""
        if self.database_url is None:
            return f"sqlite:///{(self.data_dir / 'ordercenter.db').resolve()}"
        url = make_url(self.database_url)
        if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    @property
    def resolved_files_dir(self) -> Path:
        return self.files_dir or self.data_dir / "files"

    @field_validator("secret_keys_previous")
    @classmethod
    def _previous_keys_are_strong(cls, value: str | None) -> str | None:
        if value and any(len(key.strip()) < 32 for key in value.split(",") if key.strip()):
            raise ValueError("each previous secret key must be at least 32 characters")
        return value

    @property
    def previous_secret_keys(self) -> list[str]:
        """Old keys that still decrypt (never encrypt): the key being rotated away from."""
        return [key.strip() for key in (self.secret_keys_previous or "").split(",") if key.strip()]

    def resolved_secret_key(self) -> str:
        """The configured key (or the one in ORDERCENTER_SECRET_KEY_FILE), or one generated once and kept
        in data_dir/secret.key (mode 600)."""
        if self.secret_key and self.secret_key_file:
            raise InvalidInput("set ORDERCENTER_SECRET_KEY or ORDERCENTER_SECRET_KEY_FILE, not both",
                               field="secret_key_file")
        if self.secret_key:
            return self.secret_key
        if self.secret_key_file:
            try:
                key = self.secret_key_file.read_text().strip()
            except OSError as error:
                raise InvalidInput(f"cannot read the secret key file {self.secret_key_file}: {error.strerror}",
                                   field="secret_key_file") from None
            if len(key) < 32:
                raise InvalidInput(f"the secret key in {self.secret_key_file} must be at least 32 characters",
                                   field="secret_key_file")
            return key
        key_file = self.data_dir / "secret.key"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
