"""Distillation against real vLLM servers: the served teacher labels requests, and what
`llmopt.distill` writes (a trained student, a pruned model) is a folder vLLM serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, LlamaForCausalLM

from llmopt.bench import Endpoint
from llmopt.completions import complete
from llmopt.demo import assets, generator, grader, prompt
from llmopt.demo.grader import Answer
from llmopt.distill import StudentRecipe, teacher_labels, train_student
from llmopt.distill.prune import PruneRecord, layer_importance, parameters, prune_depth, save_pruned
from llmopt.serve import ServeConfig, VllmServer, serving

pytestmark = [pytest.mark.vllm, pytest.mark.slow]
ITEMS = generator.generate(12, seed=21)


def test_the_served_teacher_labels_only_what_fits_the_schema(demo_small_server, tmp_path):
    endpoint = Endpoint.of(demo_small_server, max_tokens=64)
    labels = teacher_labels(endpoint, ITEMS, Answer, results_path=tmp_path / "labels.jsonl")
    assert labels.asked == 12 and len(labels.kept) + sum(labels.dropped.values()) == 12
    assert labels.kept and all(Answer.model_validate_json(k.answer) for k in labels.kept)
    assert {k.id for k in labels.kept} <= {i.id for i in ITEMS}
    cut = teacher_labels(endpoint.model_copy(update={"max_tokens": 6}), ITEMS, Answer)
    assert not cut.kept and cut.dropped == {"no JSON object": 12}  # six tokens hold no answer


def test_a_student_and_a_pruned_model_are_served_by_vllm(demo_small_server, tmp_path: Path):
    labels = teacher_labels(Endpoint.of(demo_small_server, max_tokens=64), ITEMS, Answer)
    train_student(StudentRecipe(method="sequence", steps=2, batch_size=4), str(
        assets.model_dir("small")), tmp_path / "student", labels)
    large = LlamaForCausalLM.from_pretrained(assets.model_dir("large"), dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(assets.model_dir("large"))
    texts = [prompt.render(i.system, i.user) for i in ITEMS[:3]]
    pruned, kept = prune_depth(large, 1, layer_importance(large, tokenizer, texts))
    save_pruned(pruned, tokenizer, tmp_path / "pruned", PruneRecord(
        base="demo:large", kind="depth", kept_layers=kept, intermediate_size=512,
        parameters_before=parameters(large), parameters_after=parameters(pruned),
        importance=[]))
    servers = {name: VllmServer(ServeConfig(model=str(tmp_path / name), served_model_name=name,
                                            max_model_len=1024, worker_in_process=True,
                                            extra_args=["-O0"]),
                                env={"VLLM_CPU_KVCACHE_SPACE": "1"})
               for name in ("student", "pruned")}
    with serving(servers):
        answers = {name: complete(s.base_url, s.model_name, ITEMS[:4])
                   for name, s in servers.items()}
        layers = json.loads((tmp_path / "pruned" / "config.json").read_text())
    assert all(a.error is None for found in answers.values() for a in found), answers
    graded = grader.grade_frame(ITEMS[:4], [a.text for a in answers["student"]])
    assert graded["error"].isna().all(), graded  # the student still writes the answer's JSON
    assert layers["num_hidden_layers"] == 3
