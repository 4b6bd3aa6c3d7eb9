"""customer refunds of the REST API."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["customer refunds"])
