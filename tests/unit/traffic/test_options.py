from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from llmopt.traffic.options import ImportOptions


def test_naive_times_are_utc_and_the_window_is_half_open():
    options = ImportOptions(since="2025-05-01T00:00", until="2025-05-02T00:00+02:00")
    assert options.since == datetime(2025, 5, 1, tzinfo=UTC)
    assert options.until == datetime(2025, 5, 1, 22, tzinfo=UTC)
    assert options.excluded_by(datetime(2025, 5, 1, tzinfo=UTC), ()) is None
    assert options.excluded_by(datetime(2025, 5, 1, 22, tzinfo=UTC), ()) == "outside_window"
    assert options.excluded_by(None, ()) == "no_timestamp"


def test_tags_keep_any_of_them():
    options = ImportOptions(tags=("a", "b"))
    assert options.excluded_by(None, ("b", "z")) is None
    assert options.excluded_by(None, ("z",)) == "not_tagged"
    assert ImportOptions().excluded_by(None, ()) is None


@pytest.mark.parametrize("fields, message", [
    ({"since": "2025-05-02", "until": "2025-05-01"}, "must be before until"),
    ({"hash_fields": ("user",), "drop_fields": ("user",)}, "both hashed and dropped"),
    ({"keep_fields": ("metadata.*",)}, "without `\\*`"),
    ({"keep_fields": ("user",), "drop_fields": ("user",)}, "both kept and dropped"),
    ({"hash_fields": ("metadata..user",)}, "not a dotted field path"),
    ({"sample": 0}, "greater than or equal to 1"),
    ({"samples": 3}, "Extra inputs are not permitted"),
])
def test_inconsistent_options_are_refused(fields, message):
    with pytest.raises(ValidationError, match=message):
        ImportOptions(**fields)
