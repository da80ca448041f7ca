"""Train the demo world's LLMLingua-2 classifier: a tiny BERT token classifier (keep / drop).

    python -m llmopt.compress.classifier                   # the shipped classifier (a few minutes)
    python -m llmopt.compress.classifier --steps 20 --out /tmp/clf   # a smoke run

No published LLMLingua-2 classifier can be downloaded here, so the demo world trains its own
on its own labels (`llmopt.compress.labels`): the manual, with 0-60% of its words dropped in
most examples (as the demo models saw it), and generated tickets. A WordPiece tokenizer is
trained on the same text. The result loads through LLMLingua-2's own code path
(`llmlingua.PromptCompressor(model_name=DEMO_CLASSIFIER, use_llmlingua2=True)`); see
`llmopt.compress.config.DEMO_CLASSIFIER` for why its folder name says bert-base-multilingual-cased.
Everything is seeded and runs on one thread: a rebuild gives the same weights on the same
machine type and torch version. `manifest.json` beside the folder records the files' sha256,
the recipe, the data and the token-level F1 measured on held-out tickets and manual variants.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from tokenizers import (
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

from llmopt.compress import labels
from llmopt.compress.config import DEMO_CLASSIFIER
from llmopt.demo import generator, manual
from llmopt.errors import AssetError

SPECIAL = ("[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]")
"""[PAD] is not id 0: llmlingua sets the pad id from the config, and treats 0 as unset."""
MANIFEST = DEMO_CLASSIFIER.parent / "manifest.json"


@dataclass(frozen=True)
class Recipe:
    vocab_size: int = 1200
    hidden_size: int = 64
    layers: int = 2
    heads: int = 2
    intermediate_size: int = 128
    steps: int = 400
    manuals_per_step: int = 4
    tickets_per_step: int = 16
    lr: float = 3e-3
    full_manual_share: float = 0.25
    max_drop: float = 0.6
    seed: int = 0
    train_seed: int = 11
    eval_seed: int = 1_000_033
    eval_tickets: int = 300
    eval_manuals: int = 40


@dataclass(frozen=True)
class Example:
    text: str
    words: list[labels.Word]
    source: str  # manual | ticket


def manual_example(rng: random.Random, recipe: Recipe) -> Example:
    words = _manual_words()
    if rng.random() < recipe.full_manual_share:
        return Example(manual.MANUAL, words, "manual")
    text, kept = labels.drop_words(words, manual.MANUAL, rng.uniform(0, recipe.max_drop), rng)
    return Example(text, kept, "manual")


@functools.cache
def _manual_words() -> list[labels.Word]:
    return labels.manual_words()


def ticket_examples(n: int, seed: int) -> list[Example]:
    return [Example(i.user, labels.ticket_words(i.user), "ticket")
            for i in generator.generate(n, seed=seed)]


def train_tokenizer(recipe: Recipe) -> PreTrainedTokenizerFast:
    rng = random.Random(recipe.seed)
    texts = [manual_example(rng, recipe).text for _ in range(200)]
    texts += [e.text for e in ticket_examples(4000, recipe.train_seed)]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.Sequence([  # BERT's, but `_` stays inside words
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Split(Regex(r"[^\w]"), behavior="isolated")])
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(
        vocab_size=recipe.vocab_size, special_tokens=list(SPECIAL), show_progress=False))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=512)


def encode(tokenizer: PreTrainedTokenizerFast, example: Example) -> tuple[list[int], list[float]]:
    """Token ids ([CLS] text [SEP]) and each token's soft label: the label of its word."""
    enc = tokenizer(example.text, return_offsets_mapping=True)
    by_char = [-1.0] * len(example.text)
    for word in example.words:
        by_char[word.start:word.end] = [word.label] * (word.end - word.start)
    special = set(tokenizer.all_special_ids)
    targets = [-1.0 if start == end or token_id in special else by_char[start]  # [CLS], [SEP]
               for (start, end), token_id in zip(enc["offset_mapping"], enc["input_ids"],
                                                 strict=True)]
    return enc["input_ids"], targets


def batch(tokenizer, examples: list[Example]) -> tuple[torch.Tensor, ...]:
    encoded = [encode(tokenizer, e) for e in examples]
    width = max(len(ids) for ids, _ in encoded)
    pad = tokenizer.pad_token_id
    ids = torch.tensor([i + [pad] * (width - len(i)) for i, _ in encoded])
    target = torch.tensor([t + [-1.0] * (width - len(t)) for _, t in encoded])
    return ids, (ids != pad).long(), target


def soft_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against soft keep-probabilities; tokens with target -1 are left out."""
    scored = target >= 0
    log_p = F.log_softmax(logits[scored], dim=-1)
    y = target[scored]
    return -(y * log_p[:, 1] + (1 - y) * log_p[:, 0]).mean()


def make_model(tokenizer, recipe: Recipe) -> BertForTokenClassification:
    torch.manual_seed(recipe.seed)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=recipe.hidden_size,
                        num_hidden_layers=recipe.layers, num_attention_heads=recipe.heads,
                        intermediate_size=recipe.intermediate_size, max_position_embeddings=512,
                        pad_token_id=tokenizer.pad_token_id, num_labels=2,
                        id2label={0: "drop", 1: "keep"}, label2id={"drop": 0, "keep": 1})
    return BertForTokenClassification(config)


def train(tokenizer, recipe: Recipe, log=print) -> BertForTokenClassification:
    model = make_model(tokenizer, recipe)
    rng = random.Random(recipe.seed)
    tickets = ticket_examples(recipe.steps * recipe.tickets_per_step, recipe.train_seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=0.01)
    model.train()
    for step in range(recipe.steps):
        lr_scale = min(1.0, (step + 1) / 50) * (1 - step / recipe.steps)
        for group in optimizer.param_groups:
            group["lr"] = recipe.lr * lr_scale
        start = step * recipe.tickets_per_step
        loss = sum(soft_loss(model(input_ids=ids, attention_mask=mask).logits, target)
                   for ids, mask, target in (
                       batch(tokenizer, [manual_example(rng, recipe)
                                         for _ in range(recipe.manuals_per_step)]),
                       batch(tokenizer, tickets[start:start + recipe.tickets_per_step])))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0 or step == recipe.steps - 1:
            log(f"step {step}/{recipe.steps} loss {loss.item() / 2:.4f}")
    return model.eval()


def held_out(recipe: Recipe) -> list[Example]:
    rng = random.Random(recipe.eval_seed)
    manuals = [Example(manual.MANUAL, labels.manual_words(), "manual")]
    manuals += [manual_example(rng, recipe) for _ in range(recipe.eval_manuals - 1)]
    return manuals + ticket_examples(recipe.eval_tickets, recipe.eval_seed)


@torch.no_grad()
def f1_scores(model, tokenizer, examples: list[Example]) -> dict[str, float]:
    """Token-level F1 of the keep class (label >= 0.5 vs probability >= 0.5), by source."""
    counts: dict[str, list[int]] = {}
    for example in examples:
        ids, target = encode(tokenizer, example)
        probs = model(input_ids=torch.tensor([ids])).logits.softmax(-1)[0, :, 1].tolist()
        for source in (example.source, "all"):
            tp_fp_fn = counts.setdefault(source, [0, 0, 0])
            for p, t in zip(probs, target, strict=True):
                if t < 0:
                    continue
                want, got = labels.binary(t), int(p >= 0.5)
                tp_fp_fn[0] += want and got
                tp_fp_fn[1] += got and not want
                tp_fp_fn[2] += want and not got
    return {source: round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
            for source, (tp, fp, fn) in counts.items()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify(folder: Path = DEMO_CLASSIFIER, manifest_path: Path = MANIFEST) -> None:
    """AssetError naming the first file that differs from the manifest (or is missing)."""
    if not manifest_path.is_file():
        raise AssetError(f"no classifier manifest at {manifest_path}; build it with "
                         "`python -m llmopt.compress.classifier`")
    for name, digest in json.loads(manifest_path.read_text())["files"].items():
        path = folder / name
        if not path.is_file() or sha256(path) != digest:
            raise AssetError(f"{path} is missing or differs from {manifest_path}")


def build(recipe: Recipe, out: Path) -> dict:
    torch.set_num_threads(1)
    started = time.time()
    tokenizer = train_tokenizer(recipe)
    model = train(tokenizer, recipe)
    train_s = time.time() - started
    f1 = f1_scores(model, tokenizer, held_out(recipe))
    print(f"held-out token-level F1: {f1}", flush=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    files = sorted(p for p in out.iterdir() if p.is_file())
    return {
        "note": "Demo world LLMLingua-2 classifier: a tiny BERT trained by "
                "llmopt.compress.classifier on the demo world's own keep/drop labels "
                "(llmopt.compress.labels). It teaches the method; it is not a real-model claim. "
                "The folder name carries `bert-base-multilingual-cased` only because llmlingua "
                "0.2.2 picks its WordPiece word merging by that name.",
        "folder": out.name,
        "architecture": "BertForTokenClassification",
        "parameters": sum(p.numel() for p in model.parameters()),
        "recipe": asdict(recipe),
        "data": {"generator": "llmopt.demo.generator", "labels": "llmopt.compress.labels",
                 "usage_sample": labels.USAGE_SAMPLE, "usage_seed": labels.USAGE_SEED,
                 "train_tickets": recipe.steps * recipe.tickets_per_step,
                 "train_manual_variants": recipe.steps * recipe.manuals_per_step},
        "held_out_token_f1": f1,
        "train_seconds": round(train_s, 1),
        "torch": torch.__version__,
        "files": {p.name: sha256(p) for p in files},
        "bytes": sum(p.stat().st_size for p in files),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO_CLASSIFIER,
                        help="folder to write (its name must contain "
                             "bert-base-multilingual-cased for llmlingua)")
    parser.add_argument("--steps", type=int, default=Recipe.steps)
    args = parser.parse_args(argv)
    if "bert-base-multilingual-cased" not in args.out.name:
        raise SystemExit(f"--out {args.out}: the folder name must contain "
                         "bert-base-multilingual-cased (llmlingua 0.2.2 dispatches on it)")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = build(Recipe(steps=args.steps), args.out)
    (args.out.parent / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {args.out} ({manifest['bytes']:,} bytes, {manifest['parameters']:,} "
          "parameters)")


if __name__ == "__main__":
    main()
