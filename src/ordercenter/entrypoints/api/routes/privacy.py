"""The store's customer data requests: the list, and each one's file to send the customer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from ordercenter.domain.privacy import PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import privacy

router = APIRouter(prefix="/privacy", tags=["privacy"])


class DataRequestPublic(BaseModel):
    id: int
    status: PrivacyRequestStatus
    received_at: datetime
    completed_at: datetime | None
    customer_id: str | None  # the store's customer id
    store_request_id: str | None  # data_request.id of the webhook
    orders: int  # how many of the shop's orders the file covers
    file_ready: bool
    error: str | None

    @classmethod
    def of(cls, row: PrivacyRequest) -> DataRequestPublic:
        return cls(id=row.id, status=row.status, received_at=row.received_at, completed_at=row.completed_at,
                   customer_id=row.customer_ref, store_request_id=row.platform_request_id, orders=row.orders_matched,
                   file_ready=row.file_key is not None, error=row.last_error)


class DataRequestsPublic(BaseModel):
    data: list[DataRequestPublic]
    count: int


@router.get("/data-requests", response_model=DataRequestsPublic,
            summary="Customers' requests for their data (customers/data_request), newest first")
def list_data_requests(container: ContainerDep, token: CurrentToken,
                       limit: Annotated[int, Query(ge=1, le=privacy.MAX_LIST)] = 100) -> DataRequestsPublic:
    rows = privacy.list_requests(container.uow(), shop_id=token.shop_id, kind=PrivacyRequestKind.DATA_REQUEST,
                                 limit=limit)
    return DataRequestsPublic(data=[DataRequestPublic.of(r) for r in rows], count=len(rows))


@router.get("/data-requests/{request_id}/file", response_class=Response,
            summary="The file of one data request (the same shop only), as an attachment",
            responses={200: {"content": {"application/json": {}}}})
def get_data_request_file(request_id: RowId, container: ContainerDep, token: CurrentToken) -> Response:
    found = privacy.data_request_file(container.uow(), container.file_store, shop_id=token.shop_id,
                                      request_id=request_id)
    return Response(found.content, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{found.name}"', "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})
