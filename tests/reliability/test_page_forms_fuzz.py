"""Every form and upload of the pages, fuzzed: hostile text in each field, unknown fields, random files.

The forms are walked from the app's routes (the same walk as the isolation test, on the same two seeded
shops), posted with the signed-in person's own ids and CSRF token, so each request reaches its handler.
Whatever the values, a form answers a page or a redirect: never a 5xx, never a traceback.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from tests.reliability import LONG
from tests.reliability.test_tenant_isolation import (
    NOT_SHOP_SCOPED_PAGES,
    WEB_FILES,
    WEB_FORMS,
    Call,
    Shops,
    _page_routes,
    _slot_kind,
    migrated_sqlite,
    settings,  # noqa: F401  (SQLite in CI, PostgreSQL too in the long run)
    shops,
    world,
)
from tests.reliability.two_shops import csrf_of, signed_in

__all__ = ["migrated_sqlite", "shops", "world"]

EXAMPLES_PER_FORM = 200 if LONG else 8

# What people and scripts paste into forms: empty, huge, control characters, markup, numbers out of range.
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", str(2**63), str(2**64), "99999999999999999999",
                     "'; DROP TABLE orders; --", "<script>alert(1)</script>", "\x00", "\u202e", "%s%n",
                     "../../etc/passwd", "1.000,50", "2026-02-30", "a" * 100_000, "🙂" * 500]),
)
FILES = st.tuples(st.sampled_from(["x.png", "x.csv", "", "../x", "x" * 300]), st.binary(max_size=4096),
                  st.sampled_from(["image/png", "text/csv", "application/octet-stream", ""]))


def _forms(shops: Shops) -> list[tuple[str, str]]:
    own = {kind: str(value) for kind, value in shops.a.ids.items()} | {
        "link_target": f"cancellation:{shops.a.ids['cancellation']}"}
    found = []
    for method, path, _ in _page_routes(shops.world):
        if method != "POST" or (method, path) in NOT_SHOP_SCOPED_PAGES:
            continue
        url = path
        for param in re.findall(r"{(\w+)}", path):
            url = url.replace("{" + param + "}", own[_slot_kind(path, param)])
        found.append((path, url))
    return found


def test_no_form_or_upload_of_the_pages_answers_5xx_whatever_it_is_sent(shops: Shops) -> None:
    forms = _forms(shops)
    assert len(forms) >= 30, forms
    with signed_in(shops.world.url, shops.a.staff_email) as page:
        csrf = csrf_of(page)
        statuses: Counter[int] = Counter()
        for path, url in forms:
            _fuzz_one_form(page, csrf, path, url, statuses)
    answers = dict(sorted(statuses.items()))
    print(f"page forms fuzz: {sum(statuses.values())} posts to {len(forms)} forms, answers {answers}")  # noqa: T201
    # The values reached the handlers: some were taken, some refused by the forms' own checks, none by CSRF.
    assert statuses[403] == 0, statuses
    assert statuses[200] + statuses[303] > 0 and statuses[422] + statuses[409] + statuses[404] > 0, statuses


def _fuzz_one_form(page: httpx.Client, csrf: str, path: str, url: str, statuses: Counter[int]) -> None:
    # The fields the form takes, and two that many forms take (free text): all given hostile values.
    fields = sorted({*WEB_FORMS.get(path, {}), "note", "reason"})
    uploads = sorted(WEB_FILES.get(path, {}))

    @examples(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(values=st.fixed_dictionaries({}, optional=dict.fromkeys(fields, HOSTILE)),
           extra=st.dictionaries(st.text(min_size=1, max_size=12), HOSTILE, max_size=2),
           files=st.fixed_dictionaries({}, optional=dict.fromkeys(uploads, FILES)))
    def post(values: dict[str, str], extra: dict[str, str], files: dict[str, Any]) -> None:
        answer = Call("POST", url, {}, data={**extra, **values, "csrf_token": csrf}, files=files or None).send(page)
        _is_a_page_or_a_redirect(f"POST {path}", answer)
        statuses[answer.status_code] += 1

    post()


def _is_a_page_or_a_redirect(where: str, answer: httpx.Response) -> None:
    assert answer.status_code < 500, f"{where}: {answer.status_code} {answer.text[:400]}"
    assert "Traceback" not in answer.text, f"{where}: {answer.text[:400]}"
    if answer.status_code not in (301, 302, 303, 307):
        assert answer.headers.get("content-type", "").startswith(("text/html", "application/json")), (
            where, answer.status_code, answer.headers.get("content-type"))
