import numpy as np

from llmopt.embed import base
from llmopt.embed.base import Embedder


class Counting(Embedder):
    """Vectors from the text's length; counts the texts the backend was asked for."""

    dim = 4

    def __init__(self) -> None:
        self.asked: list[str] = []

    def _encode(self, texts):
        self.asked += list(texts)
        v = np.array([[len(t), 1, 0, 0] for t in texts], dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_text_is_encoded_once_and_rows_keep_the_order():
    enc = Counting()
    first = enc.encode(["ab", "c", "ab"])
    again = enc.encode(["c", "ab", "new"])
    assert enc.asked == ["ab", "c", "new"]  # each distinct text once
    assert np.array_equal(first[[1, 0]], again[:2]) and first.dtype == np.float32
    assert enc.encode([]).shape == (0, 4)


def test_it_remembers_only_the_latest_texts(monkeypatch):
    monkeypatch.setattr(base, "REMEMBERED", 2)
    enc = Counting()
    enc.encode(["a", "b"])
    enc.encode(["a", "c"])  # "b" is the least recently used: out
    enc.encode(["b"])
    assert enc.asked == ["a", "b", "c", "b"]


def test_forget_drops_what_it_remembered():
    enc = Counting()
    enc.encode(["a"])
    enc.forget()
    enc.encode(["a"])
    assert enc.asked == ["a", "a"]
