"""Reply templates: filled in with known placeholders only, the answer chosen by the situation, the dates
they promise counted in the customer's business days."""

from __future__ import annotations

from datetime import date

import pytest

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.reply_templates import (
    BUILT_IN,
    PLACEHOLDERS,
    SAMPLE_VALUES,
    ReplySituation,
    TemplateKey,
    check_wording,
    long_date,
    placeholders_in,
    proposed_template,
    render,
    render_reply,
    store_refund_arrival,
    template_key,
)
from ordercenter.domain.status import CustomerRefundStatus


def test_every_built_in_template_fills_in_with_the_sample_values_and_says_when() -> None:
    for key in TemplateKey:
        template = BUILT_IN[key]
        rendered = render_reply(template.subject, template.body, SAMPLE_VALUES)
        assert "{" not in rendered.body and "{" not in rendered.subject, key
        assert SAMPLE_VALUES["order_name"] in rendered.subject, key
        assert rendered.body.startswith(f"Dear {SAMPLE_VALUES['customer_name']},"), key
        assert any(SAMPLE_VALUES[d] in rendered.body for d in ("reply_by", "expected_by", "return_ship_by")) \
            or key is TemplateKey.REFUND_DECLINED, key


def test_placeholders_are_filled_and_literal_braces_stay() -> None:
    text = render("Hi {customer_name}, {{order}} {order_name} for {refund_amount:>10}", SAMPLE_VALUES, field="body")

    assert text == f"Hi Ana Silva, {{order}} #1042 for {SAMPLE_VALUES['refund_amount']:>10}"


def test_an_unknown_placeholder_is_refused_naming_the_field_and_the_placeholder() -> None:
    with pytest.raises(InvalidInput) as caught:
        render("Dear {customer_nmae}", SAMPLE_VALUES, field="body")

    assert caught.value.field == "body"
    assert "{customer_nmae}" in caught.value.message
    assert "{customer_name}" in caught.value.message  # the list of the right ones


@pytest.mark.parametrize("text", ["Dear {}", "Dear {0}", "Dear {customer_name.__class__}",
                                  "Dear {customer_name[0]}"])
def test_positional_attribute_and_index_placeholders_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        placeholders_in(text, field="subject")

    assert caught.value.field == "subject"
    assert "unknown placeholder" in caught.value.message


@pytest.mark.parametrize("text", ["Dear {customer_name", "Dear customer_name}"])
def test_an_unmatched_brace_is_refused_with_how_to_write_one(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        placeholders_in(text, field="body")

    assert caught.value.field == "body"
    assert "'{{'" in caught.value.message


def test_a_nested_placeholder_in_a_format_is_refused() -> None:
    with pytest.raises(InvalidInput, match="nested"):
        placeholders_in("{refund_amount:{today}}", field="body")


def test_a_format_that_does_not_apply_to_text_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        render("{refund_amount:d}", SAMPLE_VALUES, field="subject")

    assert caught.value.field == "subject"


@pytest.mark.parametrize(("subject", "body", "field"), [
    ("", "Hello", "subject"), ("Hi", "   \n", "body"), ("two\nlines", "Hello", "subject"),
    ("x" * 201, "Hello", "subject"), ("Hi", "Dear {nobody}", "body"),
])
def test_wording_a_shop_saves_is_checked_before_it_is_kept(subject: str, body: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_wording(subject, body)

    assert caught.value.field == field


def test_every_placeholder_has_a_sample_value_so_a_template_can_be_checked() -> None:
    assert set(SAMPLE_VALUES) == set(PLACEHOLDERS)


def test_an_unknown_template_key_names_the_field_and_the_keys_there_are() -> None:
    with pytest.raises(InvalidInput) as caught:
        template_key("thanks")

    assert caught.value.field == "template"
    assert "refund_request_received" in caught.value.message
    assert template_key(" refund_issued ") is TemplateKey.REFUND_ISSUED


@pytest.mark.parametrize(("situation", "expected"), [
    (ReplySituation(CustomerRefundStatus.NEW), TemplateKey.REFUND_REQUEST_RECEIVED),
    (ReplySituation(CustomerRefundStatus.NEW, supplier_order_cancellable=True), TemplateKey.CANCELLATION_IN_PROGRESS),
    (ReplySituation(CustomerRefundStatus.REPLIED, supplier_order_cancellable=True, return_instructions_known=True),
     TemplateKey.RETURN_INSTRUCTIONS),
    (ReplySituation(CustomerRefundStatus.REFUNDED, refunded_in_full=True, supplier_order_cancellable=True),
     TemplateKey.REFUND_ISSUED),
    (ReplySituation(CustomerRefundStatus.REFUNDED), TemplateKey.REFUND_PARTIAL),
    (ReplySituation(CustomerRefundStatus.DECLINED), TemplateKey.REFUND_DECLINED),
])
def test_the_proposed_answer_fits_the_situation(situation: ReplySituation, expected: TemplateKey) -> None:
    assert proposed_template(situation) is expected


def test_a_store_refund_is_promised_within_the_customers_own_business_days() -> None:
    friday = date(2025, 3, 7)

    france = store_refund_arrival(friday, "FR")  # Monday 10 is the first business day after
    saudi = store_refund_arrival(friday, "SA")  # the weekend there is Friday and Saturday: Sunday 9 is

    assert (france.expected_from, france.expected_by) == (date(2025, 3, 14), date(2025, 3, 21))
    assert saudi.expected_from == date(2025, 3, 13)


def test_dates_read_the_way_a_customer_reads_them() -> None:
    assert long_date(date(2025, 3, 3)) == "Monday 3 March 2025"
