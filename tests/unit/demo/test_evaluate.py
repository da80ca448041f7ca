import json
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


def test_accuracy_by_hard_slice_counts_the_hard_items_alone() -> None:
    items = [_item("damaged", (40, 90)), _item("late_delivery", (40, 90)),
             *generator.generate(10, seed=3, hard_share=0.0)]
    outputs = ["wrong", json.dumps(items[1].reference), *["wrong"] * 10]
    assert evaluate.accuracy_by_hard_slice(items, outputs) == {"lookup": 0.0, "rules": 1.0}


def test_served_accuracy_agrees_with_the_trained_one_within_sampling_error() -> None:
    items = generator.generate(120, seed=0)
    right = [json.dumps(i.reference) for i in items]
    model = {"accuracy_in_process": {"all": 0.99, "easy": 1.0, "hard": 0.98},
             "hard_slices_in_process": {"lookup": 0.97, "rules": 1.0}}
    data = {"eval_counts": {"easy": 302, "hard": 298},
            "eval_hard_slice_counts": {"lookup": 136, "rules": 162}}
    table = evaluate.served_vs_trained(items, right, model, data)
    assert list(table.index) == ["easy", "hard", "lookup", "rules"]
    assert table["agrees"].all() and table.loc["hard", "n_served"] == sum(
        i.tier == "hard" for i in items)
    hard_wrong = [o if i.tier == "easy" else "wrong" for i, o in zip(items, right, strict=True)]
    table = evaluate.served_vs_trained(items, hard_wrong, model, data)
    assert table.loc["easy", "agrees"] and not table.loc["hard", "agrees"]
    assert table.loc["hard", "served"] == 0.0


PAIRED = generator.generate(40, seed=0)
RIGHT = [json.dumps(i.reference) for i in PAIRED]


def test_paired_outputs_that_are_all_right_differ_by_nothing():
    q = evaluate.paired_by_slice(PAIRED, RIGHT, RIGHT)
    assert q.baseline_correct == q.candidate_correct == len(PAIRED) and q.difference_points == 0


def test_paired_quality_splits_tiers_and_hard_slices():
    wrong_hard = [("nope" if i.tier == "hard" else r) for i, r in zip(PAIRED, RIGHT, strict=True)]
    q = evaluate.paired_by_slice(PAIRED, RIGHT, wrong_hard)
    assert {"easy", "hard", "lookup", "rules"} <= set(q.by_tier)
    assert q.by_tier["easy"].difference_points == 0
    assert q.by_tier["hard"].difference_points == q.by_tier["lookup"].difference_points == -100
