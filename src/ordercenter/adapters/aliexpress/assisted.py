"""After-sale actions done by a person on aliexpress.com: deep links and step-by-step instructions.

AliExpress's official FAQ says a created order is cancelled on the website, logged in with the same
account as the API token; no buyer-side dispute or message API exists. Order Center turns these
into tasks that show the link and the steps, then follows the outcome by polling the order status.
"""

from __future__ import annotations

from urllib.parse import quote

from ordercenter.adapters.ports import AfterSaleAction

ORDER_PAGE = "https://www.aliexpress.com/p/order/detail.html?orderId={order_id}"


def order_page_url(supplier_order_id: str) -> str:
    """The buyer's order detail page on aliexpress.com."""
    return ORDER_PAGE.format(order_id=quote(supplier_order_id, safe=""))


_STEPS: dict[AfterSaleAction, list[str]] = {
    AfterSaleAction.CANCEL_ORDER: [
        "Log in to aliexpress.com with the AliExpress account connected to Order Center.",
        "Open the order page: {url}",
        "Click 'Cancel order', pick the reason closest to ours ({reason}) and confirm.",
        "Unpaid orders cancel at once. Paid orders wait for the seller: usually approved while not "
        "shipped, refused once shipped (then open a dispute after delivery instead).",
        "Order Center notices the result by itself (status IN_CANCEL, then FINISH with end reason CANCELED).",
    ],
    AfterSaleAction.OPEN_DISPUTE: [
        "Log in to aliexpress.com with the AliExpress account connected to Order Center.",
        "Open the order page: {url}",
        "Click 'Open dispute' (or 'Return/refund') on the item, choose 'refund only' or 'return and refund'.",
        "Pick the reason ({reason}), enter the amount asked for and describe the problem.",
        "Attach the evidence (photos, video, tracking screenshot) and submit.",
        "Copy the dispute number into Order Center. The seller has a few days to answer; if it refuses, "
        "escalate to AliExpress from the same page.",
    ],
    AfterSaleAction.MESSAGE_SELLER: [
        "Log in to aliexpress.com with the AliExpress account connected to Order Center.",
        "Open the order page: {url}",
        "Click 'Contact seller' and write your message ({reason}).",
        "Paste the seller's answer into the order's message thread in Order Center.",
    ],
}


def instructions(action: AfterSaleAction, supplier_order_id: str, reason: str = "") -> list[str]:
    """The numbered steps for doing `action` by hand on this order."""
    url = order_page_url(supplier_order_id)
    return [step.format(url=url, reason=reason or "see the request") for step in _STEPS[action]]


def instructions_text(action: AfterSaleAction, supplier_order_id: str, reason: str = "") -> str:
    """The same steps as one numbered text block, for a task or an e-mail."""
    steps = instructions(action, supplier_order_id, reason)
    return "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1))
