"""No shop reaches another shop's data: every API operation, walked from `app.openapi()`, and every page
route, walked from the app's routes, is called with shop A's credentials and shop B's ids.

Nothing here lists the endpoints: a new one is walked as soon as it exists. What the walker must know
is the kind of id each path segment holds (`COLLECTIONS`), which body and query fields carry ids, and
which operations are not about a shop at all (`NOT_SHOP_SCOPED`, each with its reason); an operation it
cannot fill fails the test, so a new endpoint forces a decision instead of being skipped.

For each operation: the call with B's ids must answer 403/404/422, with none of B's words in the answer,
and leave every row of B as it was; the same call with A's own ids (the control) must get past the
look-up (not 404, not 422, no 5xx), which proves the foreign call reached the tenant filter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from ordercenter.config import Settings
from ordercenter.entrypoints.api.app import create_app
from tests.conftest import BACKENDS, settings_for
from tests.evidence_files import png
from tests.privacy.conftest import SHOP_A, SHOP_B, Person, World, migrated_sqlite, world
from tests.reliability import LONG
from tests.reliability.two_shops import Tenant, csrf_of, fingerprint, seed, signed_in

__all__ = ["migrated_sqlite", "world"]  # the fixtures, re-exported for these tests

AVA = Person("Avalon", "Ashcombe", "avalon.ashcombe@example.com", "+441865111111", "1 Alpha Row")
BEA = Person("Beatrix", "Bramblewood", "beatrix.bramblewood@example.com", "+13125552222", "2 Bravo Street")

# The kind of id that follows each collection name in a path (`/orders/{order_id}`, `/runs/{run_id}`).
COLLECTIONS = {
    "orders": "order", "supplier-orders": "supplier_order", "cancellations": "cancellation", "returns": "return",
    "customer-refunds": "customer_refund", "mappings": "mapping", "data-requests": "data_request",
    "webhook-deliveries": "webhook_delivery", "reply-templates": "reply_template", "evidence": "evidence",
    "tokens": "api_token", "suppliers": "supplier_account", "runs": "placement_run",
}
# Fields of a body, a form or a query that carry ids, and their kind.
ID_FIELDS = {"order_id": "order", "supplier_account_id": "supplier_account", "cancellation_id": "cancellation",
             "return_id": "return", "account": "supplier_account", "place": "order", "ids": "order",
             "supplier": "supplier_account", "target": "link_target"}
# Fields named like ids that hold the platforms' ids, not ours: no row of any shop is found by them.
PLATFORM_IDS = {"variant_id", "supplier_product_id", "backup_supplier_product_id", "dispute_id"}
# Not ids of a shop's rows, the same for every shop: the evidence's position in its return, and the names of
# the reply templates (each shop reads and writes its own copy under the same name).
SHARED = {"evidence", "reply_template"}

NOT_SHOP_SCOPED = {
    ("GET", "/healthz"): "health of the process, no shop data",
    ("GET", "/readyz"): "readiness of the process, no shop data",
    ("GET", "/metrics"): "process counters, no shop data (tested in tests/operations)",
    ("POST", "/webhooks/shopify"): "the shop is the signed X-Shopify-Shop-Domain header (tests/e2e/test_webhooks)",
    ("GET", "/shopify/install"): "starts an install for the shop named in the query (OAuth, signed state)",
    ("GET", "/shopify/callback"): "finishes an install: the HMAC of Shopify's query names the shop",
    ("GET", "/aliexpress/callback"): "finishes a supplier authorization: the signed state names shop and account",
}

# Bodies the schema alone cannot make valid: what a merchant would send (ids are filled in by kind).
JSON_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/cancellations/{cancellation_id}/decision"): {"decision": "approved"},
    ("POST", "/api/v1/returns/{return_id}/decision"): {"decision": "rejected"},
    ("POST", "/api/v1/orders/{order_id}/customer-refunds"): {"message": "Can I have my money back?"},
    ("POST", "/api/v1/customer-refunds/{request_id}/refund"): {"amount": "1.00"},
    ("POST", "/api/v1/customer-refunds/{request_id}/reply"): {"subject": "About your order", "body": "Looking at it."},
    ("POST", "/api/v1/customer-refunds/{request_id}/link"): {"cancellation_id": "@cancellation"},
    ("POST", "/api/v1/supplier-orders/{supplier_order_id}/cancellation"): {"reason": "out_of_stock"},
    ("POST", "/api/v1/supplier-orders/{supplier_order_id}/messages"): {"text": "Any news of the parcel?"},
    ("PUT", "/api/v1/mappings"): {"variant_id": "81000000099", "supplier_product_id": "1005001000000001",
                                  "sku_attr": "", "supplier_account_id": "@supplier_account"},
    ("PUT", "/api/v1/packaging"): {"note": "walker", "supplier_account_id": "@supplier_account"},
    ("POST", "/api/v1/placements/preview"): {"orders": [{"order_id": "@order"}]},
    ("POST", "/api/v1/placements"): {"orders": [{"order_id": "@order"}]},
}
# Operations whose answer to a foreign id may be 200, with the reason; B must still be out of the answer and
# unchanged.
FOREIGN_OK_200 = {
    ("GET", "/api/v1/customer-refunds"): "a filter on another shop's order matches none of this shop's requests",
    ("POST", "/api/v1/placements"): "one result per order; another shop's order is a result that says not found",
}
# A control answer of 422 that is a rule about the state of A's row, not a body the walker got wrong.
CONTROL_422_OK: dict[tuple[str, str], str] = {}

STRING_FILL = {"reason": "damaged", "kind": "refund_only", "amount": "1.00", "tracking_number": "LP00123456789",
               "dispute_id": "D-1", "subject": "Subject", "body": "Body", "text": "Hello", "message": "Refund please",
               "note": "walker", "decision": "approved", "variant_id": "81000000099"}


@dataclass(frozen=True)
class Call:
    """One request of the walk."""

    method: str
    path: str
    params: dict[str, str]
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    content: bytes | None = None
    headers: dict[str, str] | None = None

    def send(self, client: httpx.Client) -> httpx.Response:
        return client.request(self.method, self.path, params=self.params, json=self.json, data=self.data,
                              files=self.files, content=self.content, headers=self.headers)


@dataclass
class Shops:
    world: World
    a: Tenant
    b: Tenant

    def answer_has_none_of_b(self, where: str, answer: httpx.Response) -> None:
        text = answer.text + json.dumps(dict(answer.headers))
        found = [m for m in self.b.markers if m and m in text]
        assert not found, f"{where}: shop B's {found} in the answer to shop A: {answer.text[:400]}"


@pytest.fixture(params=[b for b in BACKENDS if b == "sqlite" or LONG])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """SQLite in CI; PostgreSQL too with ORDERCENTER_LONG_TESTS=1 (the filters are the same SQL on both, and
    the walk costs half a minute per database)."""
    return settings_for(request.param, request, tmp_path)


@pytest.fixture
def shops(world: World) -> Shops:
    a = seed(world, SHOP_A.domain, AVA, "Alphaville")
    b = seed(world, SHOP_B.domain, BEA, "Bravotown")
    return Shops(world, a, b)


def _slot_kind(path: str, param: str) -> str:
    """The kind of id of a path parameter: named by the collection segment just before it."""
    segments = path.split("/")
    at = segments.index("{" + param + "}")
    collection = segments[at - 1]
    assert collection in COLLECTIONS, (
        f"{path}: the walker does not know what `{{{param}}}` after `{collection}` holds; add `{collection}` to "
        "COLLECTIONS in tests/reliability/test_tenant_isolation.py (or to NOT_SHOP_SCOPED, with the reason)")
    return COLLECTIONS[collection]


# ---------------------------------------------------------------- the API, from its OpenAPI description


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _example(spec: dict[str, Any], schema: dict[str, Any], name: str, fill: dict[str, str]) -> Any:
    """A value the schema accepts, with ids taken from `fill` by field name."""
    schema = _resolve(spec, schema)
    if name in ID_FIELDS:
        return int(fill[ID_FIELDS[name]])
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if options:
        return _example(spec, options[0], name, fill)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":

        return {key: _example(spec, sub, key, fill) for key, sub in schema.get("properties", {}).items()
                if key in schema.get("required", []) or key in ID_FIELDS}
    if kind == "array":
        return [_example(spec, schema.get("items", {}), name, fill)]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if schema.get("format") == "date-time":
        return datetime.now(UTC).isoformat()
    if schema.get("format") == "date":
        return datetime.now(UTC).date().isoformat()
    return STRING_FILL.get(name, "walker")


def _id_fields(spec: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> set[str]:
    """Every field of a body (nested ones too) named like an id."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return set()
        return _id_fields(spec, _resolve(spec, schema), seen | {name})
    found = {key for key in schema.get("properties", {}) if key.endswith(("_id", "_ids"))}
    for sub in [*schema.get("properties", {}).values(), *schema.get("anyOf", []), *([schema["items"]]
                                                                                    if "items" in schema else [])]:
        found |= _id_fields(spec, sub, seen) if isinstance(sub, dict) else set()
    return found


def _filled(value: Any, fill: dict[str, str]) -> Any:
    """A body of JSON_BODIES with its `@kind` placeholders replaced by ids."""
    if isinstance(value, dict):
        return {k: _filled(v, fill) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, fill) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        return int(fill[value[1:]])
    return value


def _api_call(spec: dict[str, Any], base: str, method: str, path: str, operation: dict[str, Any],
              fill: dict[str, str]) -> Call:
    url = base + path
    params: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        if where == "path":
            url = url.replace("{" + name + "}", fill[_slot_kind(path, name)])
        elif where == "query" and name in ID_FIELDS:
            params[name] = fill[ID_FIELDS[name]]
        elif where == "query" and parameter.get("required"):
            pytest.fail(f"{method} {path}: the walker cannot fill the required query parameter `{name}`")
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return Call(method, url, params)
    unknown = {key for media in content.values() for key in _id_fields(spec, media.get("schema", {}), set())
               if key not in ID_FIELDS and key not in PLATFORM_IDS}
    if unknown:
        pytest.fail(f"{method} {path}: its body has id fields the walker does not know, {sorted(unknown)}: add each "
                    "to ID_FIELDS (the kind of row it names) or PLATFORM_IDS in this file")
    if "application/json" in content:
        body = JSON_BODIES.get((method, path))
        json_body = _filled(body, fill) if body is not None else _example(
            spec, content["application/json"]["schema"], "body", fill)
        return Call(method, url, params, json=json_body)
    if "text/csv" in content:
        csv = "variant_id,supplier_product_id,sku_attr\n81000000098,1005001000000001,\n"
        return Call(method, url, params, content=csv.encode(), headers={"Content-Type": "text/csv"})
    if "multipart/form-data" in content:
        schema = _resolve(spec, content["multipart/form-data"]["schema"])
        data, files = {}, {}
        for key, sub in schema.get("properties", {}).items():
            sub = _resolve(spec, sub)
            binary = sub.get("format") == "binary" or sub.get("items", {}).get("format") == "binary" or \
                sub.get("contentMediaType") == "application/octet-stream" or \
                sub.get("items", {}).get("contentMediaType") == "application/octet-stream"
            if binary:
                files[key] = ("dent.png", png(), "image/png")
            elif key in schema.get("required", []) or key in ID_FIELDS:
                data[key] = str(_example(spec, sub, key, fill))
        return Call(method, url, params, data=data, files=files)
    pytest.fail(f"{method} {path}: the walker cannot make a body of {sorted(content)}")


def _slots(spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> list[str]:
    """The id slots of an operation: each is made foreign in turn, the others kept A's."""
    kinds = [_slot_kind(path, p["name"]) for p in operation.get("parameters", []) if p["in"] == "path"]
    kinds += [ID_FIELDS[p["name"]] for p in operation.get("parameters", [])
              if p["in"] == "query" and p["name"] in ID_FIELDS]
    body = json.dumps(JSON_BODIES.get((method, path), {}))
    kinds += re.findall(r'"@(\w+)"', body)
    return list(dict.fromkeys(k for k in kinds if k not in SHARED)) or (
        ["reply_template"] if any(k in SHARED for k in kinds) else [])


def _listing_has_no_row_of_b(where: str, path: str, answer: httpx.Response, b: Tenant) -> None:
    kind = COLLECTIONS.get(path.rsplit("/", 1)[1])
    if kind is None or not answer.headers.get("content-type", "").startswith("application/json"):
        return
    body = answer.json()
    rows = body.get("data", []) if isinstance(body, dict) else body
    ids = {row.get("id") for row in rows if isinstance(row, dict)}
    assert b.ids[kind] not in ids, f"{where} lists shop B's {kind} {b.ids[kind]}"


def _operations(world: World) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    app = create_app(world.container)
    spec = app.openapi()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation, spec


def _walk_the_api(shops: Shops) -> None:
    world, a, b = shops.world, shops.a, shops.b
    own = {kind: str(value) for kind, value in a.ids.items()}
    walked = 0
    for method, path, operation, spec in _operations(world):
        if (method, path) in NOT_SHOP_SCOPED:
            continue
        assert operation.get("security"), (
            f"{method} {path} takes no API token: add it to NOT_SHOP_SCOPED with the reason, or protect it")
        slots = _slots(spec, method, path, operation)
        where = f"{method} {path}"
        for slot in slots:
            # when: A's token, B's id in this one slot (A's in the others)
            foreign = own | {slot: str(b.ids[slot])} if slot not in SHARED else own
            before = fingerprint(world, b.shop_id) if method != "GET" else None
            answer = _api_call(spec, world.url, method, path, operation, foreign).send(a.api)
            # then: refused, nothing of B in the answer, nothing of B changed
            allowed = {403, 404, 422} | ({200} if (method, path) in FOREIGN_OK_200 or slot in SHARED else set())
            assert answer.status_code in allowed, f"{where} with B's {slot}: {answer.status_code} {answer.text[:300]}"
            shops.answer_has_none_of_b(f"{where} with B's {slot}", answer)
            if before is not None:
                assert fingerprint(world, b.shop_id) == before, f"{where} with B's {slot} changed shop B's rows"
        # and: the same call with A's own ids gets past the look-up, so the refusal above came from the filter
        before = fingerprint(world, b.shop_id) if method != "GET" else None
        control = _api_call(spec, world.url, method, path, operation, own).send(a.api)
        bad = {404, 422} - ({422} if (method, path) in CONTROL_422_OK else set())
        assert control.status_code < 500 and control.status_code not in bad, (
            f"{where} with A's own ids answered {control.status_code} {control.text[:300]}: the walker's request "
            "is not one the endpoint accepts, so the foreign call proved nothing; fix its body in JSON_BODIES")
        shops.answer_has_none_of_b(f"{where} (A's own)", control)
        if method == "GET" and not slots:
            _listing_has_no_row_of_b(where, path, control, b)
        if before is not None:
            assert fingerprint(world, b.shop_id) == before, f"{where} with A's own ids changed shop B's rows"
        walked += 1
    assert walked >= 50, walked


# ---------------------------------------------------------------- the pages, from the app's routes

NOT_SHOP_SCOPED_PAGES = {
    ("GET", "/"): "the sign-in page (tests/reliability/test_sessions.py)",
    ("POST", "/sign-in"): "signing in (tests/reliability/test_sessions.py)",
    ("POST", "/sign-out"): "ends the walker's own session (tests/reliability/test_sessions.py)",
    ("GET", "/docs"): "the API reference, the same for everyone",
}
# What each form sends besides its CSRF token (`@kind`: an id of that kind).
WEB_FORMS: dict[str, dict[str, str]] = {
    "/orders/place": {"place": "@order"},
    "/mappings/new": {"variant_id": "81000000097", "supplier_product_id": "1005001000000001",
                      "supplier_account_id": "@supplier_account"},
    "/mappings/{mapping_id}": {"variant_id": "81000000011", "supplier_product_id": "1005001000000001",
                               "supplier_account_id": "@supplier_account"},
    "/customer-refunds/{request_id}/link": {"target": "@link_target"},
    "/supplier-orders/{supplier_order_id}/cancel": {"reason": "out_of_stock", "choices": "1"},
    "/supplier-orders/{supplier_order_id}/return": {"kind": "refund_only", "reason": "damaged", "amount": "1.00",
                                                    "confirmed": "1"},
    "/supplier-orders/{supplier_order_id}/messages": {"text": "Any news?"},
    "/supplier-orders/{supplier_order_id}/messages/replies": {"text": "Shipped today."},
    "/cancellations/{cancellation_id}/decision": {"decision": "approved"},
    "/returns/{return_id}/decision": {"decision": "rejected"},
    "/returns/{return_id}/tracking": {"tracking_number": "LP00123456789"},
    "/returns/{return_id}/dispute": {"dispute_id": "D-1"},
    "/customer-refunds/{request_id}/reply": {"subject": "About your order", "body": "Looking at it."},
    "/customer-refunds/{request_id}/refund": {"amount": "1.00"},
    "/orders/{order_id}/customer-refunds": {"message": "Refund please"},
    "/settings/timezone": {"timezone": "Europe/Paris"},
    "/settings/packaging": {"note": "walker"},
    "/settings/people": {"email": "walker@alphaville.example", "password": "walker-pass-1", "role": "staff"},
    "/settings/tokens": {"name": "walker"},
    "/settings/notifications": {"emails": "owner@alphaville.example"},
    "/settings/reply-templates/{key}": {"subject": "Walker subject", "body": "Walker body"},
}
# What each page is asked with in its query.
WEB_QUERIES: dict[str, dict[str, str]] = {
    "/orders": {"supplier": "@supplier_account"},
    "/orders/place": {"ids": "@order"},
    "/orders/place/confirm": {"ids": "@order", "place": "@order"},
    "/supplier-orders/{supplier_order_id}/cancel/confirm": {"reason": "out_of_stock"},
    "/customer-refunds/{request_id}/reply-preview": {"template": "refund_request_received"},
    "/customer-refunds/{request_id}/refund/confirm": {"amount": "1.00"},
}
WEB_FILES: dict[str, dict[str, tuple[str, bytes, str]]] = {
    "/mappings/import/csv": {"file": ("mappings.csv", b"variant_id,supplier_product_id,sku_attr\n81000000096,"
                                                      b"1005001000000001,\n", "text/csv")},
    "/supplier-orders/{supplier_order_id}/return": {"evidence": ("dent.png", png(), "image/png")},
}
# Pages whose answer to a foreign id in the query may be 200 (a filter that matches nothing of this shop).
WEB_FOREIGN_OK_200 = {("GET", "/orders"): "the supplier-account filter of another shop's account lists nothing"}
# Forms whose refusal of a foreign id in a field is their own page again, the error next to the field (409).
WEB_FOREIGN_REFUSED_IN_PAGE = {("POST", "/customer-refunds/{request_id}/link"): "the request's page, 'has no "
                                                                                "cancellation request'"}


def _page_routes(world: World) -> Iterator[tuple[str, str, Any]]:
    app = create_app(world.container)
    for route in iter_route_contexts(app.routes):
        module = getattr(route.endpoint, "__module__", "") or ""
        if not module.startswith("ordercenter.entrypoints.web"):
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, route.path or "", route


def _page_fill(template: dict[str, str], fill: dict[str, str]) -> dict[str, str]:
    return {k: fill[v[1:]] if v.startswith("@") else v for k, v in template.items()}


def _page_slots(path: str, method: str) -> list[str]:
    kinds = [_slot_kind(path, p) for p in re.findall(r"{(\w+)}", path)]
    fields = WEB_FORMS.get(path, {}) if method == "POST" else WEB_QUERIES.get(path, {})
    kinds += [v[1:] for v in fields.values() if v.startswith("@")]
    return list(dict.fromkeys(k for k in kinds if k not in SHARED))


def _page_call(method: str, path: str, fill: dict[str, str], csrf: str) -> Call:
    url = path
    for param in re.findall(r"{(\w+)}", path):
        url = url.replace("{" + param + "}", fill[_slot_kind(path, param)])
    if method == "GET":
        return Call(method, url, _page_fill(WEB_QUERIES.get(path, {}), fill))
    return Call(method, url, {}, data={"csrf_token": csrf, **_page_fill(WEB_FORMS.get(path, {}), fill)},
                files=WEB_FILES.get(path))


def _walk_the_pages(shops: Shops) -> None:
    world, a, b = shops.world, shops.a, shops.b
    own = {kind: str(value) for kind, value in a.ids.items()} | {"link_target": f"cancellation:{a.ids['cancellation']}"}
    theirs = {"link_target": f"cancellation:{b.ids['cancellation']}", **{k: str(v) for k, v in b.ids.items()}}
    walked = 0
    with signed_in(world.url, a.staff_email) as page:
        csrf = csrf_of(page)
        for method, path, _ in _page_routes(world):
            if (method, path) in NOT_SHOP_SCOPED_PAGES or path.startswith("/static"):
                continue
            where = f"{method} {path}"
            slots = _page_slots(path, method)
            for slot in slots:
                before = fingerprint(world, b.shop_id) if method == "POST" else None
                answer = _page_call(method, path, own | {slot: theirs[slot]}, csrf).send(page)
                # A form with an id in its path (no control call) must reach the look-up: 404. Others are
                # followed by a control call, so a 422 there is about the foreign id.
                in_path = slot in [_slot_kind(path, p) for p in re.findall(r"{(\w+)}", path)]
                allowed = {403, 404} | ({422} if method == "GET" or not in_path else set()) | (
                    {200} if (method, path) in WEB_FOREIGN_OK_200 else set()) | (
                    {409} if (method, path) in WEB_FOREIGN_REFUSED_IN_PAGE and not in_path else set())
                assert answer.status_code in allowed, (
                    f"{where} with B's {slot}: {answer.status_code} {answer.text[:300]}")
                shops.answer_has_none_of_b(f"{where} with B's {slot}", answer)
                if before is not None:
                    assert fingerprint(world, b.shop_id) == before, f"{where} with B's {slot} changed shop B's rows"
            path_slots = [_slot_kind(path, p) for p in re.findall(r"{(\w+)}", path)]
            if method == "GET" or not path_slots or any(s not in path_slots for s in slots):
                # the control: A's own page (or an id-less form) answers, and shows and changes nothing of B
                before = fingerprint(world, b.shop_id) if method == "POST" else None
                control = _page_call(method, path, own, csrf).send(page)
                assert control.status_code < 500 and control.status_code not in (404, 422), (
                    f"{where} with A's own ids answered {control.status_code} {control.text[:300]}")
                shops.answer_has_none_of_b(f"{where} (A's own)", control)
                if before is not None:
                    assert fingerprint(world, b.shop_id) == before, f"{where} (A's own) changed shop B's rows"
            walked += 1
    assert walked >= 60, walked


def test_no_api_operation_and_no_page_gives_shop_a_anything_of_shop_b(shops: Shops) -> None:
    # One seeding for both walks: two shops with one of everything take most of this test's time.
    _walk_the_api(shops)
    # The API walk deleted A's mapping (its own DELETE, the control): the pages use one it created since.
    shops.a.ids["mapping"] = shops.a.api.get("/mappings").json()["data"][0]["id"]
    _walk_the_pages(shops)
