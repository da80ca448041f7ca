"""Fixtures for tests that start real servers: a tiny local Llama model."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmopt.settings import REPO_ROOT

DEMO_SMALL = REPO_ROOT / "llmopt" / "demo" / "assets" / "small"

_CORPUS = [
    "The customer asked for a refund because the parcel arrived late.",
    "Policy: refunds are allowed within thirty days of delivery.",
    "Answer with the ticket id, the category and the action to take.",
    "A damaged item is replaced free of charge; a lost parcel is refunded.",
    "Thank you for contacting support. How can we help you today?",
]
_CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo `small` model when it exists, else a random tiny Llama built here (~1 s)."""
    if (DEMO_SMALL / "config.json").is_file():
        return DEMO_SMALL
    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = _build_tokenizer()
    tokenizer.save_pretrained(folder)
    _build_model(len(tokenizer)).save_pretrained(folder)
    return folder


def _build_tokenizer():  # -> transformers.PreTrainedTokenizerFast
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=384,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(_CORPUS, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="</s>",
        chat_template=_CHAT_TEMPLATE,
    )


def _build_model(vocab_size: int):  # -> transformers.LlamaForCausalLM
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)
