"""Message templates: filled from the supplier order's facts, and a pure renderer that refuses the unknown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.message_templates import (
    FREE_MESSAGE,
    PLACEHOLDERS,
    TEMPLATES,
    MessageFacts,
    compose,
    placeholder_values,
    render,
)
from tests.factories import T0

FACTS = MessageFacts(number="8198352049851315", seller="Sunny Gadgets Store", order_name="#1001",
                     tracking_numbers=("LP00123456789CN",), placed_at=T0, paid_at=T0,
                     shipped_at=T0 + timedelta(days=2), amount="12.40 USD",
                     packaging_note="No invoice or prices in the parcel. Thank-you card inside, please.")


def test_the_issue_s_four_templates_and_a_follow_up_exist() -> None:
    assert {"tracking_not_updating", "custom_packaging_request", "wrong_item_received",
            "where_is_my_refund", "follow_up"} <= set(TEMPLATES)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_uses_only_known_placeholders_and_fills_them_all(key: str) -> None:
    text = render(TEMPLATES[key].body, placeholder_values(FACTS))
    assert "{" not in text and "}" not in text
    assert "Sunny Gadgets Store" in text and "8198352049851315" in text


def test_tracking_not_updating_names_the_tracking_number_and_the_shipping_day() -> None:
    text = compose(text=None, template_key="tracking_not_updating", facts=FACTS)
    assert "LP00123456789CN" in text
    assert (T0 + timedelta(days=2)).strftime("%Y-%m-%d") in text


def test_custom_packaging_request_carries_the_shop_s_packaging_note() -> None:
    text = compose(text=None, template_key="custom_packaging_request", facts=FACTS)
    assert "Thank-you card inside, please." in text


def test_a_fact_not_known_yet_reads_as_words_not_as_none() -> None:
    values = placeholder_values(MessageFacts(number="1", seller="", order_name="#1"))
    assert values["tracking"] == "no tracking number yet"
    assert values["delivered_on"] == "not yet"
    assert "None" not in render(TEMPLATES["wrong_item_received"].body, values)


@pytest.mark.parametrize("body", ["Hello {customer}", "Hello {number.__class__}", "Hello {number[0]}",
                                  "Hello {number!r}", "Hello {number:>40}", "Hello {}", "Hello {number"])
def test_an_unknown_or_malformed_placeholder_is_refused_naming_the_template(body: str) -> None:
    with pytest.raises(InvalidInput) as error:
        render(body, placeholder_values(FACTS))
    assert error.value.field == "template"


def test_the_refusal_lists_the_placeholders_there_are() -> None:
    with pytest.raises(InvalidInput, match=r"\{customer\}.*\{number\}"):
        render("Hello {customer}", placeholder_values(FACTS))
    assert set(placeholder_values(FACTS)) == set(PLACEHOLDERS)


def test_an_unknown_template_is_refused_naming_the_template_field() -> None:
    with pytest.raises(InvalidInput, match="unknown template 'lost_parcel'") as error:
        compose(text=None, template_key="lost_parcel", facts=FACTS)
    assert error.value.field == "template"


@pytest.mark.parametrize(("text", "key"), [(None, None), ("   ", None), ("", "where_is_my_refund"),
                                           (None, FREE_MESSAGE)])
def test_an_empty_message_is_refused_naming_the_text_field(text: str | None, key: str | None) -> None:
    with pytest.raises(InvalidInput) as error:
        compose(text=text, template_key=key, facts=FACTS)
    assert error.value.field == "text"


def test_the_merchant_s_own_words_are_sent_as_written_with_or_without_a_template() -> None:
    assert compose(text="  Any news?  ", template_key=None, facts=FACTS) == "Any news?"
    assert compose(text="Edited: any news?", template_key="where_is_my_refund", facts=FACTS) == "Edited: any news?"
    assert compose(text="Free words", template_key=FREE_MESSAGE, facts=FACTS) == "Free words"
