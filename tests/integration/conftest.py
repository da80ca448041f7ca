"""Fixtures for tests that start real servers: a tiny local Llama model, and one demo `small`
vLLM server shared by the session (with tool calling on) for the tests that only need one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmopt.profile import Profile
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


TOOL_ARGS = ["--enable-auto-tool-choice", "--tool-call-parser", "pythonic",
             "--structured-outputs-config",
             json.dumps({"backend": "xgrammar", "disable_any_whitespace": True})]
"""vLLM's tool calling for the demo models. A forced call (tool_choice "required" or a named
tool) is written under a JSON grammar, so any model makes one; `disable_any_whitespace` keeps a
5M-parameter model from filling the grammar's free whitespace until max_tokens. `auto` needs a
parser of the model's own call format: the demo models have none (they answer in their ticket
JSON), and `pythonic` is the one parser that needs no special token in the vocabulary (hermes,
llama3_json and the rest refuse the demo tokenizer at start-up), so `auto` answers in text."""


@pytest.fixture(scope="session")
def demo_small_server():
    pilot = Profile.load(REPO_ROOT / "cookbook/profiles/demo.yaml")
    pilot.prepare()
    with pilot.server("draft", extra_args=["-O0", *TOOL_ARGS]) as server:
        yield server
