from tokenizers import Tokenizer, models, pre_tokenizers

from llmopt.bench import tiktoken_counter, tokenizer_counter


def test_tiktoken_counts_offline_and_special_text_as_text() -> None:
    count = tiktoken_counter()
    assert count("hello world") == 2
    assert count("done<|endoftext|>") > 1  # no error on special-token text


def test_tokenizer_counter_counts_without_special_tokens() -> None:
    tokenizer = Tokenizer(models.WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    assert tokenizer_counter(tokenizer)("a b a c") == 4
