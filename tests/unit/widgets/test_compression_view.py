"""The compression view, driven without a browser. `EveryOther` stands in for a compressor
(keeps every other word, rounding by the rate) so the widget's own logic is what is tested;
tests/unit/compress/test_compressors.py drives it with the real LLMLingua-2 compressor."""

from llmopt.compress import Compression, diff
from llmopt.errors import ConfigError
from llmopt.widgets import CompressionView
from llmopt.widgets.compression_view import diff_html

TEXT = "Refund the price plus the 8 dollar fee."


class EveryOther:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def compress(self, text: str, question: str = "", *, rate: float | None = None):
        self.calls.append(rate)
        if not 0 < rate <= 1:
            raise ConfigError(f"rate must be in (0, 1], got {rate}")
        words = text.split(" ")
        keep = max(1, round(rate * len(words)))
        kept = " ".join(words[:: max(1, len(words) // keep)][:keep])
        return Compression(kind="toy", setting=f"rate {rate:g}", rate=rate, target_token=None,
                           original=text, compressed=kept, question=question, seconds=0.002,
                           forced=["8"], missing=[] if " 8 " in f" {kept} " else ["8"])


def test_html_strikes_dropped_and_highlights_kept_words():
    page = diff_html(diff("Refund the <fee>", "Refund fee"))
    assert "<span class='kept' style='background:#c8f0c8'>Refund</span> " in page
    assert "line-through'>the</span>" in page
    assert "&lt;" in page and "<fee>" not in page  # escaped
    assert "white-space:pre-wrap" in page


def test_the_slider_recompresses():
    compressor = EveryOther()
    view = CompressionView(compressor, TEXT, question="Where is it?", rate=1.0)
    assert view.result.compressed == TEXT and "kept 100% of the words" in view.summary.value
    view.slider.value = 0.5
    assert compressor.calls == [1.0, 0.5] and view.rate == 0.5
    assert view.result.compressed == "Refund price the dollar"
    assert view.view.value.count("line-through") == 5  # plus, the, 8, fee, "."
    assert "lost force-kept spans: 8" in view.summary.value
    assert "Where is it?" in view.question_box.value


def test_a_rejected_rate_shows_the_error():
    view = CompressionView(EveryOther(), TEXT, rate=0.5)
    view.rate = 0.0
    assert view.result is None and "rate must be in (0, 1]" in view.error
    assert "Cannot compress" in view.summary.value and view.view.value == ""
