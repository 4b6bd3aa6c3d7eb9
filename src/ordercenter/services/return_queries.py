"""Reading return/refund requests, and serving their evidence to the shop that owns them only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ordercenter.adapters.ports import FileStore
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.evidence import evidence_type
from ordercenter.domain.returns import ReturnRequest
from ordercenter.domain.status import ReturnStatus
from ordercenter.services.uow import UnitOfWork

MAX_LIST = 500


def get_return(uow: UnitOfWork, *, shop_id: int, return_id: int) -> ReturnRequest:
    """One of the shop's return/refund requests (another shop's is not found)."""
    with uow:
        request = uow.returns.get(shop_id, return_id)
    if request is None:
        raise NotFound(f"no return/refund request with id {return_id}", field="return_id")
    return request


def list_returns(uow: UnitOfWork, *, shop_id: int, status: ReturnStatus | None = None, open_only: bool = False,
                 limit: int = 100) -> Sequence[ReturnRequest]:
    """The shop's return/refund requests, newest first."""
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
    with uow:
        return uow.returns.page(shop_id, status=status, open_only=open_only, limit=limit)


@dataclass(frozen=True)
class EvidenceDownload:
    name: str
    content_type: str
    content: bytes


def evidence_file(uow: UnitOfWork, files: FileStore, *, shop_id: int, return_id: int,
                  number: int) -> EvidenceDownload:
    """The `number`th (from 1) evidence file of one of the shop's requests, typed by its content."""
    request = get_return(uow, shop_id=shop_id, return_id=return_id)
    keys = [str(key) for key in request.evidence_keys]
    if not 1 <= number <= len(keys):
        raise NotFound(f"return/refund request {return_id} has no evidence file {number}", field="n")
    key = keys[number - 1]
    # The key was made from this shop's id; checking it again keeps a mix-up from ever crossing shops.
    if not key.startswith(f"shop-{shop_id}/"):
        raise NotFound(f"return/refund request {return_id} has no evidence file {number}", field="n")
    content = files.get(key)
    found = evidence_type(content)
    name = key.rsplit("/", 1)[-1].split("-", 1)[-1]
    return EvidenceDownload(name, found.mime if found else "application/octet-stream", content)
