"""The e-mail outbox: every e-mail Order Center wrote, sent or still to send, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ordercenter.domain.outbox import EmailKind, EmailStatus, OutboxEmail
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.services import outbox

router = APIRouter(tags=["outbox"])


class OutboxEmailPublic(BaseModel):
    id: int
    order_id: int | None
    kind: EmailKind
    to: str
    subject: str
    text: str
    message_id: str
    status: EmailStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: OutboxEmail) -> OutboxEmailPublic:
        return cls(id=row.id, order_id=row.order_id, kind=row.kind, to=row.to_address, subject=row.subject,
                   text=row.text_body, message_id=row.message_id, status=row.status, attempts=row.attempts,
                   last_error=row.last_error, created_at=row.created_at, next_attempt_at=row.next_attempt_at,
                   sent_at=row.sent_at)


class OutboxPublic(BaseModel):
    data: list[OutboxEmailPublic]
    count: int


@router.get("/outbox", response_model=OutboxPublic, summary="E-mails written by Order Center, newest first")
def list_outbox(container: ContainerDep, token: CurrentToken,
                status: Annotated[EmailStatus | None, Query(description="Only e-mails in this state")] = None,
                limit: Annotated[int, Query(ge=1, le=outbox.MAX_LIST)] = 100) -> OutboxPublic:
    rows = outbox.list_outbox(container.uow(), shop_id=token.shop_id, status=status, limit=limit)
    return OutboxPublic(data=[OutboxEmailPublic.of(r) for r in rows], count=len(rows))
