"""A separate process that places one order, for the crash test: `python -m tests.placement.crash_child
place|recover ORDER_ID`. Settings come from the environment like the real CLI's."""

from __future__ import annotations

import os
import sys
from datetime import timedelta

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.services.placement import place_order, reconcile_drafts


def main() -> int:
    mode, order_id = sys.argv[1], int(sys.argv[2])
    container = bootstrap(Settings(), migrate=False)
    client = SandboxAliExpressClient(os.environ["AE_APP_KEY"], os.environ["AE_APP_SECRET"],
                                     os.environ["AE_ACCESS_TOKEN"], base_url=os.environ["AE_BASE_URL"],
                                     timeout=120.0, rate_limit_per_second=1000.0)
    account_id, shop_id = int(os.environ["AE_ACCOUNT_ID"]), int(os.environ["SHOP_ID"])

    def resolve(_: int | None) -> tuple[int, SandboxAliExpressClient]:
        return account_id, client

    if mode == "recover":
        # What the worker does at start: settle interrupted claims before placing anything.
        reconcile_drafts(container.uow(), resolve, container.clock, shop_id=shop_id, stale_after=timedelta(0))
    print("placing", flush=True)  # noqa: T201  (the test waits for this line)
    outcome = place_order(container.uow(), resolve, container.clock, shop_id=shop_id, order_id=order_id)
    print("result", outcome.summary, flush=True)  # noqa: T201
    return 0 if outcome.placed else 1


if __name__ == "__main__":
    sys.exit(main())
