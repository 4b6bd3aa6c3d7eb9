"""Product mappings: which supplier product and SKU fulfils each store variant."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.datastructures import UploadFile

from ordercenter.domain.errors import InvalidInput
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken, UowDep
from ordercenter.entrypoints.api.mapping_schemas import (
    ImportReportPublic,
    MappingCreate,
    MappingPublic,
    MappingsPublic,
)
from ordercenter.entrypoints.api.request_models import RowId
from ordercenter.services import mappings

router = APIRouter(prefix="/mappings", tags=["mappings"])

MAX_CSV_BYTES = 5 * 1024 * 1024
_CSV_TYPES = ("text/csv", "application/csv", "text/plain")
_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                               "properties": {"file": {"type": "string", "format": "binary"}}}},
        },
    },
}


async def csv_upload(request: Request) -> str:
    """The CSV text, from a text/csv body or the multipart field `file` (read here, so the route stays sync)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("send the CSV file in the multipart field 'file'", field="file")
        data = await upload.read(MAX_CSV_BYTES + 1)
    elif content_type in _CSV_TYPES:
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_CSV_BYTES:
                break
    else:
        raise InvalidInput("send the CSV as the body with 'Content-Type: text/csv', or as the multipart "
                           "field 'file'", field="Content-Type")
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; split it", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text; save it as 'CSV UTF-8'", field="file") from None


@router.get("", response_model=MappingsPublic, summary="List mappings, newest first")
def list_mappings(
    uow: UowDep,
    token: CurrentToken,
    variant_id: Annotated[str | None, Query(description="Only this store variant (id or gid)")] = None,
    supplier_product_id: Annotated[str | None, Query(description="Used as primary or backup product")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=mappings.MAX_PAGE)] = 50,
) -> MappingsPublic:
    page = mappings.list_mappings(uow, token.shop_id, variant_id=variant_id,
                                  supplier_product_id=supplier_product_id, cursor=cursor, limit=limit)
    return MappingsPublic(data=[MappingPublic.of(m) for m in page.mappings], count=page.count,
                          next_cursor=page.next_cursor)


@router.put("", response_model=MappingPublic, summary="Create or replace the mapping of a variant",
            responses={201: {"model": MappingPublic, "description": "Created"}})
def put_mapping(body: MappingCreate, response: Response, uow: UowDep, token: CurrentToken,
                container: ContainerDep) -> MappingPublic:
    saved = mappings.save_mapping(uow, token.shop_id, body.to_input(), container.clock.now())
    response.status_code = 201 if saved.created else 200
    return MappingPublic.of(saved.mapping)


# `:int` so that /mappings/import, a sibling, is not read as a mapping id (a GET on it is then a 405).
@router.get("/{mapping_id:int}", response_model=MappingPublic, summary="One mapping")
def get_mapping(mapping_id: RowId, uow: UowDep, token: CurrentToken) -> MappingPublic:
    return MappingPublic.of(mappings.get_mapping(uow, token.shop_id, mapping_id))


@router.delete("/{mapping_id:int}", status_code=204, response_class=Response, summary="Delete a mapping")
def delete_mapping(mapping_id: RowId, uow: UowDep, token: CurrentToken, container: ContainerDep) -> Response:
    mappings.delete_mapping(uow, token.shop_id, mapping_id, container.clock.now())
    return Response(status_code=204)


@router.post("/import", response_model=ImportReportPublic, openapi_extra=_CSV_BODY,
             summary="Import mappings from CSV; good rows are saved, bad rows reported")
def import_mappings(token: CurrentToken, uow: UowDep, container: ContainerDep,
                    text: Annotated[str, Depends(csv_upload)]) -> ImportReportPublic:
    # The token comes first so an unauthenticated upload is refused before its body is read.
    report = mappings.import_mappings_csv(uow, token.shop_id, text, container.clock.now())
    return ImportReportPublic.of(report)
