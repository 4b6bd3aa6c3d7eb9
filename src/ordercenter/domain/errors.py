"""Domain errors. Each carries a stable code that the API and the CLI show to the user."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes: part of the public API, add but never rename."""

    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    INVALID_TRANSITION = "invalid_transition"
    CURRENCY_MISMATCH = "currency_mismatch"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    NOT_ALLOWED = "not_allowed"
    SUPPLIER_ERROR = "supplier_error"
    STORE_ERROR = "store_error"


class DomainError(Exception):
    """A business rule refused the request; `field` names the input at fault when there is one."""

    code: ErrorCode = ErrorCode.INVALID_INPUT

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class NotAllowed(DomainError):
    code = ErrorCode.NOT_ALLOWED


class CurrencyMismatch(DomainError):
    code = ErrorCode.CURRENCY_MISMATCH


class InvalidTransition(DomainError):
    """A state machine refused to move from one state to another."""

    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, entity: str, current: str, requested: str) -> None:
        super().__init__(f"{entity} cannot go from '{current}' to '{requested}'", field="status")
        self.entity = entity
        self.current = current
        self.requested = requested
