"""CompressionView: one prompt as a compressor sees it, with a rate slider.

Kept words are highlighted, dropped ones struck through, and anything the compressor wrote
that is not in the original (a word cut in half, two words joined) is underlined. Moving the
slider recompresses with the compressor given (an `llmopt.compress.Compressor`); the diff is
`llmopt.compress.diff`, the rendering `diff_html` below.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import traitlets
from pydantic import ValidationError

from llmopt.compress import Compression, Piece
from llmopt.errors import LlmoptError

STYLES = {
    "kept": "background:#c8f0c8",
    "dropped": "color:#999;text-decoration:line-through",
    "added": "color:#8a2be2;text-decoration:underline",
}
_BOX = "white-space:pre-wrap;font-family:monospace;font-size:12px;line-height:1.5"


def diff_html(pieces: list[Piece]) -> str:
    """The diff as HTML: one span per piece (styled by status), whitespace kept."""
    spans = []
    for piece in pieces:
        word = piece.text.rstrip()
        space = piece.text[len(word):]
        spans.append(f"<span class='{piece.status}' style='{STYLES[piece.status]}'>"
                     f"{html.escape(word)}</span>{html.escape(space)}")
    return f"<div style='{_BOX}'>{''.join(spans)}</div>"


def summary_html(result: Compression) -> str:
    """One line: method, setting, words and characters kept, time, forced spans."""
    forced = (f"all {len(result.forced)} force-kept spans survived" if not result.missing
              else f"<b style='color:#b00'>lost force-kept spans: "
                   f"{html.escape(', '.join(result.missing))}</b>")
    return (f"<b>{html.escape(result.kind)}</b> at {html.escape(result.setting)}: kept "
            f"{result.kept_words:.0%} of the words, {result.kept_chars:.0%} of the characters, "
            f"in {1000 * result.seconds:,.0f} ms; {forced}")


class CompressionView(widgets.VBox):
    """A rate slider, a summary line and the prompt's diff, top to bottom.

    `compressor` is anything with llmopt's `compress(text, question, rate=...)`; `question`
    is shown under the prompt and conditions question-aware methods (LongLLMLingua).
    """

    rate = traitlets.Float(0.5)
    text = traitlets.Unicode("")
    question = traitlets.Unicode("")
    result = traitlets.Instance(Compression, allow_none=True)
    error = traitlets.Unicode("")

    def __init__(self, compressor: Any, text: str, question: str = "", rate: float = 0.5,
                 min_rate: float = 0.1, step: float = 0.05) -> None:
        super().__init__()
        self.compressor = compressor
        self.text, self.question, self.rate = text, question, rate
        self.slider = widgets.FloatSlider(description="rate", min=min_rate, max=1.0, step=step,
                                          continuous_update=False, readout_format=".2f")
        traitlets.link((self, "rate"), (self.slider, "value"))
        self.summary = widgets.HTML()
        self.view = widgets.HTML()
        self.question_box = widgets.HTML()
        self.observe(self._update, names=["rate", "text", "question"])
        self.children = [self.slider, self.summary, self.view, self.question_box]
        self._update()

    def _update(self, change: dict[str, Any] | None = None) -> None:
        try:
            result = self.compressor.compress(self.text, self.question, rate=self.rate)
        except (LlmoptError, ValidationError) as error:
            self.result, self.error = None, str(error)
            self.summary.value = (f"<b style='color:#b00'>Cannot compress:</b>"
                                  f"<pre>{html.escape(str(error))}</pre>")
            self.view.value = ""
            return
        self.result, self.error = result, ""
        self.summary.value = summary_html(result)
        self.view.value = diff_html(result.diff())
        self.question_box.value = ("" if not self.question else
                                   f"<div style='{_BOX}'><b>question (kept as it is):</b> "
                                   f"{html.escape(self.question)}</div>")
