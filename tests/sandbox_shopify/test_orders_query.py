from __future__ import annotations

from ordercenter.sandbox.shopify import SandboxStore

from .conftest import FakeClock, Gql, make_order

PAGE = """
query Page($cursor: String, $query: String) {
  orders(first: 2, after: $cursor, sortKey: CREATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { name } }
    nodes { name displayFinancialStatus displayFulfillmentStatus cancelledAt }
  }
}
"""


def _all_names(gql: Gql, query: str) -> list[str]:
    names: list[str] = []
    cursor = None
    while True:
        page = gql(PAGE, {"cursor": cursor, "query": query})["data"]["orders"]
        assert [edge["node"]["name"] for edge in page["edges"]] == [node["name"] for node in page["nodes"]]
        names += [node["name"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return names
        cursor = page["pageInfo"]["endCursor"]


def test_paid_unfulfilled_filter_pages_through_exactly_the_orders_to_source(
    gql: Gql, store: SandboxStore, clock: FakeClock
) -> None:
    # given: 5 paid orders, 2 pending; one fully fulfilled, one partially, one cancelled
    paid = []
    for _ in range(5):
        paid.append(make_order(store, (2, 1)))
        clock.advance(60)
    make_order(store, financial_status="PENDING")
    make_order(store, financial_status="AUTHORIZED")
    store.fulfil_order(None, paid[0].id)
    store.fulfil_order(None, paid[1].id, {paid[1].line_items[0].id: 1})
    store.cancel_order(None, paid[2].id)

    # when
    names = _all_names(gql, "financial_status:paid fulfillment_status:unfulfilled status:open")

    # then: a partially fulfilled order still needs sourcing; fulfilled, unpaid and cancelled ones do not
    assert paid[1].display_fulfillment_status == "PARTIALLY_FULFILLED"
    assert names == [paid[1].name, paid[3].name, paid[4].name]


def test_unshipped_excludes_partially_fulfilled_orders(gql: Gql, store: SandboxStore) -> None:
    partial = make_order(store, (2,))
    untouched = make_order(store, (2,))
    store.fulfil_order(None, partial.id, {partial.line_items[0].id: 1})

    assert _all_names(gql, "fulfillment_status:unshipped") == [untouched.name]
    assert _all_names(gql, "fulfillment_status:partial") == [partial.name]


def test_updated_at_filter_and_updated_at_sort(gql: Gql, store: SandboxStore, clock: FakeClock) -> None:
    old = store.generate_orders(count=1)[0]
    clock.advance(3600)
    new = store.generate_orders(count=1)[0]

    body = gql("""{ orders(first: 10, sortKey: UPDATED_AT, query: "updated_at:>'2025-03-01T12:30:00Z'") {
                    nodes { name updatedAt } } }""")

    assert [n["name"] for n in body["data"]["orders"]["nodes"]] == [new.name]
    assert old.updated_at < new.updated_at
    body = gql("""{ orders(first: 10, query: "updated_at:>=2025-03-01") { nodes { name } } }""")
    assert len(body["data"]["orders"]["nodes"]) == 2


def test_name_filter_and_reverse_id_sort(gql: Gql, store: SandboxStore) -> None:
    orders = store.generate_orders(count=3)

    by_name = gql('{ orders(first: 5, query: "name:#1002") { nodes { name legacyResourceId } } }')
    reversed_ids = gql("{ orders(first: 5, sortKey: ID, reverse: true) { nodes { name } } }")

    assert by_name["data"]["orders"]["nodes"] == [{"name": "#1002", "legacyResourceId": str(orders[1].id)}]
    assert [n["name"] for n in reversed_ids["data"]["orders"]["nodes"]] == ["#1003", "#1002", "#1001"]


def test_a_connection_without_first_or_last_is_an_error(gql: Gql) -> None:
    body = gql("{ orders { nodes { id } } }")

    assert body["errors"][0]["message"] == "you must provide one of first or last"


def test_order_by_id_returns_money_as_decimal_strings_and_utc_times(gql: Gql, store: SandboxStore) -> None:
    order = store.generate_orders(count=1)[0]

    body = gql("""query($id: ID!) { order(id: $id) { id createdAt
        totalPriceSet { shopMoney { amount currencyCode } }
        lineItems(first: 5) { nodes { variant { legacyResourceId } } } } }""",
               {"id": f"gid://shopify/Order/{order.id}"})

    data = body["data"]["order"]
    assert data["id"] == f"gid://shopify/Order/{order.id}"
    assert data["createdAt"] == "2025-03-01T12:00:00Z"
    amount = data["totalPriceSet"]["shopMoney"]["amount"]
    assert isinstance(amount, str) and "." in amount
    assert all(n["variant"]["legacyResourceId"].isdigit() for n in data["lineItems"]["nodes"])
