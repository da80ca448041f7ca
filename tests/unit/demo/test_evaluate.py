import random

from llmopt.demo import evaluate, generator


def _item(intent: str, prices: tuple[int, ...], days: int = 5):
    facts = generator.Facts(intent=intent, order_id="123456", member="standard",
                            items=("lamp", "kettle", "rug")[: len(prices)], prices=prices,
                            target=0, days=days, late_days=7, opened=False)
    return generator.make_item(facts, random.Random(0), f"{intent}-{len(prices)}")


def test_an_answer_needs_the_item_price_only_when_another_item_would_change_it() -> None:
    assert evaluate.hard_slice(_item("damaged", (40, 90))) == "lookup"
    assert evaluate.hard_slice(_item("damaged", (40, 40))) == "rules"  # same price either way
    assert evaluate.hard_slice(_item("wrong_item", (40, 90))) == "rules"  # replace, amount 0
    assert evaluate.hard_slice(_item("late_delivery", (40, 90, 120))) == "rules"


def test_guessing_the_item_scores_one_over_the_items_where_the_price_matters() -> None:
    lookup_of_two, lookup_of_three = _item("damaged", (40, 90)), _item("damaged", (40, 90, 120))
    rules = _item("late_delivery", (40, 90))
    assert evaluate.guess_ceiling([lookup_of_two]) == 0.5
    assert evaluate.guess_ceiling([lookup_of_three, rules]) == (1 / 3 + 1) / 2


def test_easy_items_do_not_count_towards_the_ceiling() -> None:
    easy = generator.generate(20, seed=3, hard_share=0.0)
    assert evaluate.guess_ceiling([*easy, _item("damaged", (40, 90))]) == 0.5
