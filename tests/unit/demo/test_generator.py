import pytest

from llmopt.demo import generator, manual
from llmopt.demo.generator import Facts, resolve
from llmopt.errors import ConfigError


def facts(price: int = 100, **kw) -> Facts:
    """A two-item order whose second item (at `price`) the ticket is about."""
    base = dict(intent="damaged", order_id="482913", member="standard", items=("kettle", "lamp"),
                prices=(57, price), target=1, days=10, late_days=3, opened=False)
    return Facts(**(base | kw))


def test_same_seed_same_workload_other_seed_other():
    a, b, c = generator.generate(50, seed=3), generator.generate(50, seed=3), generator.generate(50)
    assert a == b
    assert [i.user for i in a] != [i.user for i in c]


def test_shared_system_prompt_is_the_manual_and_long():
    items = generator.generate(20)
    assert {i.system for i in items} == {manual.MANUAL}
    assert len(manual.MANUAL.split()) >= 250


def test_tiers_follow_hard_share():
    items = generator.generate(400, hard_share=0.25)
    share = sum(i.tier == "hard" for i in items) / len(items)
    assert 0.18 < share < 0.32
    assert {i.facts["intent"] for i in items if i.tier == "easy"} <= set(generator.EASY)


def test_easy_tickets_state_every_field():
    for item in generator.generate(200, hard_share=0.0):
        ref = item.reference
        assert ref["order_id"] in item.user
        assert ref["amount"] == 0 or f"${ref['amount']}" in item.user


def test_hard_tickets_list_the_order_and_name_the_item_they_are_about():
    for item in generator.generate(200, hard_share=1.0):
        f = item.facts
        assert 2 <= len(f["items"]) <= 4 and len(set(f["items"])) == len(f["items"])
        for name, price in zip(f["items"], f["prices"], strict=True):
            assert f"{name} (${price})" in item.user or f"{name} for ${price}" in item.user \
                or f"{name} at ${price}" in item.user
        if f["intent"] != "late_delivery":  # the whole parcel was late: no one item
            assert f"the {f['items'][f['target']]}" in item.user.lower()
        assert f"#{f['order_id']}" in item.user and len(f["order_id"]) == 6


def test_the_amount_uses_the_price_of_the_item_the_ticket_is_about():
    assert resolve(facts(price=100))["amount"] == 108
    assert resolve(facts(price=100, target=0))["amount"] == 57 + 8


@pytest.mark.parametrize(
    ("kw", "action", "amount"),
    [
        ({}, "refund", 108),  # rule 1: price + shipping fee
        ({"days": 30}, "refund", 108),  # the window's last day is inside
        ({"days": 31}, "store_credit", 100),  # rule 3
        ({"days": 45, "member": "gold"}, "refund", 108),  # gold window is 60 days
        ({"intent": "wrong_item"}, "replace", 0),
        ({"intent": "changed_mind", "opened": True}, "refund", 85),  # restocking fee
        ({"intent": "changed_mind", "days": 61, "member": "gold"}, "deny", 0),
        ({"intent": "late_delivery", "late_days": 5}, "store_credit", 10),
        ({"intent": "late_delivery", "late_days": 7, "member": "gold"}, "store_credit", 25),
        ({"intent": "late_delivery", "late_days": 4}, "deny", 0),
        ({"price": 295}, "escalate", 303),  # rule 7 applies to the computed refund
        ({"intent": "changed_mind", "opened": True, "price": 310}, "refund", 295),
        ({"intent": "cancel", "price": 350}, "cancel", 350),  # cancellations are not refunds
    ],
)
def test_rules(kw, action, amount):
    ref = resolve(facts(**kw))
    assert (ref["action"], ref["amount"]) == (action, amount)


def test_manual_quotes_the_constants():
    for number in (manual.SHIPPING_FEE, manual.RESTOCKING_FEE, manual.ESCALATE_ABOVE,
                   *manual.WINDOW_DAYS.values(), *manual.LATE_CREDIT.values()):
        assert str(number) in manual.MANUAL


def test_paraphrases_keep_the_answer_and_change_the_words():
    item = generator.generate(1, seed=5)[0]
    variants = generator.paraphrases(item, 6)
    assert all(v.reference == item.reference and v.group == item.group for v in variants)
    assert len({v.user for v in variants} | {item.user}) > 3


def test_bad_input_names_the_value():
    with pytest.raises(ConfigError, match="hard_share"):
        generator.generate(5, hard_share=1.5)
    with pytest.raises(ConfigError, match="'medium'"):
        generator.sample_facts(__import__("random").Random(0), "medium")


def test_near_misses_keep_the_wording_and_change_the_answer() -> None:
    from llmopt.demo.generator import Facts, near_misses, resolve

    items = generator.generate(60, seed=3)
    kinds_seen = set()
    for item in items:
        misses = near_misses(item, 4, seed=1)
        assert len(misses) == 4
        for miss in misses:
            assert miss.reference != item.reference
            assert miss.reference == resolve(Facts.from_dict(miss.facts))
            assert miss.user != item.user and miss.system == item.system
            a, b = set(item.user.split()), set(miss.user.split())
            assert len(a ^ b) <= 8          # same wording, one fact swapped
            changed = {k for k in item.facts if item.facts[k] != miss.facts[k]}
            assert len(changed) == 1
            kinds_seen |= changed
    assert kinds_seen >= {"order_id", "target", "prices", "days", "member"}


def test_near_misses_are_reproducible_and_additive() -> None:
    from llmopt.demo.generator import near_misses

    item = generator.generate(1, seed=5)[0]
    assert near_misses(item, 3, seed=2) == near_misses(item, 3, seed=2)
    assert generator.generate(1, seed=5)[0] == item


def test_near_misses_need_facts() -> None:
    from llmopt.demo.generator import near_misses
    from llmopt.workload import WorkloadItem

    with pytest.raises(ConfigError, match="facts"):
        near_misses(WorkloadItem(id="x", system="s", user="hi", reference={}), 2)


def test_near_misses_always_come_back_for_a_generated_item() -> None:
    from llmopt.demo.generator import near_misses

    # a late delivery the policy denies: only the order id changes its answer, and random picks
    # of the kind missed it in all 20 tries for seed 27 (an empty list before the fallback)
    item = next(i for i in generator.generate(60, seed=1) if i.id == "s1-00000")
    assert item.facts["intent"] == "late_delivery" and item.reference["action"] == "deny"
    for seed in range(60):
        assert len(near_misses(item, 1, seed=seed)) == 1, seed
