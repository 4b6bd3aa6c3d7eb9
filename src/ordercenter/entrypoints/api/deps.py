"""Annotated dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ordercenter.adapters.logging_setup import bind_request
from ordercenter.bootstrap import Container
from ordercenter.domain.access import ApiToken
from ordercenter.domain.errors import DomainError, ErrorCode
from ordercenter.services import access
from ordercenter.services.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="An API token from `ordercenter tokens create`")


class NotAuthenticated(DomainError):
    code = ErrorCode.NOT_AUTHENTICATED


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_uow(container: ContainerDep) -> UnitOfWork:
    return container.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def current_token(container: ContainerDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> ApiToken:
    if credentials is None:
        raise NotAuthenticated("send an API token as 'Authorization: Bearer <token>'", field="Authorization")
    token = access.authenticate(container.uow(), credentials.credentials, now=container.clock.now())
    if token is None:
        raise NotAuthenticated("the API token is unknown or revoked", field="Authorization")
    bind_request(shop_id=token.shop_id)
    return token


CurrentToken = Annotated[ApiToken, Depends(current_token)]
