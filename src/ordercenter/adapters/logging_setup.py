"""Logs: one JSON object a line (or readable console lines), with the request, shop and order ids, no secrets.

`configure_logging` is called once by each command that starts a process (serve, worker, demo). It
routes the standard `logging` module, which the code uses everywhere, through structlog's processors,
so `log.info("…", extra={...})` comes out with its extra fields, the time, the level and the logger.

A request's ids are kept in a `RequestContext` held by a context variable. The API serves sync routes
and dependencies in worker threads, each with a *copy* of the request's context, so a value bound there
would be lost to the next step; binding writes into the one shared `RequestContext` object instead.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TextIO

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

if TYPE_CHECKING:
    from ordercenter.config import Settings

LogFormat = Literal["json", "console"]

REDACTED = "[redacted]"
# A key is secret when its name contains one of these (access_token, X-Shopify-Hmac-Sha256, set-cookie…).
_SECRET_KEY_WORDS = ("token", "secret", "password", "passwd", "authorization", "cookie", "hmac", "api_key")
# Secrets that turn up inside text: Shopify tokens and shared secrets, our API tokens, bearer credentials.
_SECRET_VALUES = re.compile(r"\bshp(?:at|ss|ca|pa|ua)_[A-Za-z0-9]+|\boc_[A-Za-z0-9_-]{16,}|(?<=Bearer )\S+",
                            re.IGNORECASE)
# Path parameters copied onto a request's log lines.
_ROUTE_IDS = ("order_id", "supplier_order_id")


@dataclass
class RequestContext:
    """The ids of the request being served; `scope` is the ASGI scope the router fills with path params."""

    request_id: str
    scope: Mapping[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)

    def log_fields(self) -> dict[str, Any]:
        found: dict[str, Any] = {"request_id": self.request_id}
        path_params = self.scope.get("path_params") or {}
        for name in _ROUTE_IDS:
            if name in path_params:
                value = path_params[name]
                found[name] = int(value) if isinstance(value, str) and value.isdigit() else value
        found.update(self.fields)
        return found


_current_request: ContextVar[RequestContext | None] = ContextVar("ordercenter_request", default=None)


@contextmanager
def request_context(request_id: str, scope: Mapping[str, Any]) -> Iterator[RequestContext]:
    """Every log line written while the block runs (in any thread serving the request) carries its ids."""
    context = RequestContext(request_id, scope)
    token = _current_request.set(context)
    try:
        yield context
    finally:
        _current_request.reset(token)


def bind_request(**fields: Any) -> None:
    """Add fields (the shop id once the caller is known) to the log lines of the current request."""
    context = _current_request.get()
    if context is not None:
        context.fields.update(fields)


def _add_request_fields(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    context = _current_request.get()
    if context is not None:
        for key, value in context.log_fields().items():
            event_dict.setdefault(key, value)
    return event_dict


def _drop_terminal_copies(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    event_dict.pop("color_message", None)  # uvicorn's copy of the message with terminal colour codes
    return event_dict


def is_secret_name(key: str) -> bool:
    """True for a field or parameter name whose value must never be logged (access_token, X-Shopify-Hmac…)."""
    lowered = key.lower().replace("-", "_")
    return any(word in lowered for word in _SECRET_KEY_WORDS)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return _SECRET_VALUES.sub(REDACTED, value)
    if isinstance(value, Mapping):
        return {k: REDACTED if isinstance(k, str) and is_secret_name(k) else _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def redact_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Replace the values of secret-named keys, and tokens found inside any text, by "[redacted]"."""
    return {key: REDACTED if is_secret_name(key) else _redacted(value) for key, value in event_dict.items()}


def _level_number(name: str) -> int:
    number = logging.getLevelNamesMapping().get(name.upper())
    if number is None:
        raise ValueError(f"unknown log level '{name}'")
    return number


def configure_logging(settings: Settings, *, default_format: LogFormat = "json", default_level: str = "info",
                      stream: TextIO | None = None) -> None:
    """Send every log record to `stream` (stderr) as JSON or console lines, at the configured level.

    ORDERCENTER_LOG_FORMAT and ORDERCENTER_LOG_LEVEL win over the command's defaults.
    """
    log_format = settings.log_format or default_format
    level = _level_number(settings.log_level or default_level)
    shared: list[Processor] = [
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.contextvars.merge_contextvars,
        _add_request_fields,
        structlog.stdlib.ExtraAdder(),
        _drop_terminal_copies,
    ]
    out = stream or sys.stderr
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                              structlog.processors.format_exc_info, redact_secrets]
    if log_format == "json":
        final += [structlog.processors.EventRenamer("message"), structlog.processors.JSONRenderer(default=str)]
    else:
        final.append(structlog.dev.ConsoleRenderer(colors=out.isatty()))
    handler = logging.StreamHandler(out)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=final))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # Native structlog loggers (structlog.get_logger()) take the same road through the handler above.
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
