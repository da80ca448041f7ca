import json

import pandas as pd
import pytest

from llmopt.bench import Endpoint
from llmopt.demo import generator
from llmopt.demo.grader import Answer
from llmopt.distill import require_labels, teacher_labels
from llmopt.distill.labels import sort_answers
from llmopt.errors import ConfigError, ServerError

ITEMS = generator.generate(6, seed=3)


def frame(*rows):
    return pd.DataFrame([{"id": item.id, "status": status, "text": text}
                         for item, (status, text) in zip(ITEMS, rows, strict=False)])


def test_only_schema_valid_answers_are_kept_and_every_other_is_counted():
    good = json.dumps(ITEMS[0].reference)
    records = frame(("ok", good), ("ok", "I think it is a refund"),
                    ("ok", '{"intent": "damaged", "order_id": "12", "action": "refund", '
                           '"amount": 3}'),
                    ("ok", '{"intent": "damaged", "order_id": "123456", "action": "refund", '
                           '"amount": 3, "note": "x"}'),
                    ("error", ""))  # the sixth item has no record at all
    labels = sort_answers("teacher", ITEMS, records, Answer)
    assert [label.id for label in labels.kept] == [ITEMS[0].id]
    assert json.loads(labels.kept[0].answer) == ITEMS[0].reference
    assert labels.dropped == {"no JSON object": 1, "schema: order_id": 1, "schema: note": 1,
                              "request failed (error)": 1, "not answered": 1}
    assert labels.asked == len(labels.kept) + sum(labels.dropped.values())


def test_the_digest_names_the_data():
    records = frame(*[("ok", json.dumps(i.reference)) for i in ITEMS])
    one, two = (sort_answers("t", ITEMS, records, Answer) for _ in range(2))
    assert one.digest == two.digest
    assert sort_answers("t", ITEMS[:5], records, Answer).digest != one.digest


def test_no_labels_and_no_requests_are_refused_with_the_reason():
    empty = sort_answers("t", ITEMS, frame(*[("ok", "no")] * 6), Answer)
    with pytest.raises(ConfigError, match=r"gave no schema-valid answer to 6 requests "
                                          r"\(\{'no JSON object': 6\}\)"):
        require_labels(empty)
    with pytest.raises(ConfigError, match="no requests to label"):
        teacher_labels(Endpoint(base_url="http://127.0.0.1:9/v1", model="t"), [], Answer)
    one = sort_answers("t", ITEMS, frame(("ok", json.dumps(ITEMS[0].reference))), Answer)
    assert require_labels(one) is one


def test_a_teacher_that_is_not_served_is_named_without_its_credentials():
    endpoint = Endpoint(base_url="http://user:secret@127.0.0.1:9/v1", model="big-teacher")
    with pytest.raises(ServerError, match=r"the teacher 'big-teacher' is not served at "
                                          r"http://\*\*\*@127.0.0.1:9/v1") as raised:
        teacher_labels(endpoint, ITEMS, Answer)
    assert "secret" not in str(raised.value)
