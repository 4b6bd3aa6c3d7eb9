"""The merchant's pages: server-rendered Jinja2 with htmx, signed in with a session cookie.

`install_web` adds them to the FastAPI app: the routers, the static files, the offline API reference
and the error pages.
"""

from __future__ import annotations

from fastapi import FastAPI

from ordercenter.entrypoints.web import (
    routes_cancel,
    routes_customer_refunds,
    routes_deadlines,
    routes_mappings,
    routes_messages,
    routes_notifications,
    routes_order,
    routes_orders,
    routes_placement,
    routes_returns,
    routes_settings,
    routes_sign_in,
)
from ordercenter.entrypoints.web.docs import install_docs
from ordercenter.entrypoints.web.errors import install_page_errors
from ordercenter.entrypoints.web.placement_runs import PlacementRuns
from ordercenter.entrypoints.web.rendering import STATIC_DIR, build_templates
from ordercenter.entrypoints.web.static_files import VersionedStaticFiles


def install_web(app: FastAPI) -> None:
    """The pages under `/`, static files under `/static/`, `/docs` from vendored files, HTML error pages."""
    app.state.web_templates = build_templates()
    app.state.placement_runs = PlacementRuns()
    install_page_errors(app)
    install_docs(app)
    app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")
    # The placement routes come before the order page, whose `/orders/{order_id}` would shadow `/orders/place`.
    for module in (routes_sign_in, routes_orders, routes_placement, routes_order, routes_mappings, routes_settings,
                   routes_cancel, routes_returns, routes_customer_refunds, routes_messages, routes_deadlines,
                   routes_notifications):
        app.include_router(module.router)
