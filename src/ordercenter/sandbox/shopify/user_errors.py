"""`userErrors` entries, as every Shopify mutation payload returns them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UserError:
    #: Path to the input field at fault, e.g. ["fulfillment", "lineItemsByFulfillmentOrder", "0", ...].
    field: list[str] | None
    message: str
    #: Only some payloads (e.g. OrderCreateUserError) expose a code.
    code: str | None = None

    def to_graphql(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "code": self.code}


class UserErrorsRaised(Exception):
    """Carries user errors out of a store operation; the mutation turns them into `userErrors`."""

    def __init__(self, errors: list[UserError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors
