"""Launch commands from one ServeConfig: vllm serve, docker, Kubernetes, Ray."""

import re
import shlex

import pytest
import yaml

from llmopt.errors import ConfigError
from llmopt.serve import ServeConfig
from llmopt.serve.plan import (
    IMAGE,
    VLLM_VERSION,
    docker_command,
    k8s_manifest,
    k8s_name,
    ray_steps,
    serve_argv,
)
from llmopt.settings import REPO_ROOT

CONFIG = ServeConfig(model="meta-llama/Llama-3.1-8B-Instruct", max_model_len=8192,
                     kv_cache_dtype="fp8", quantization="fp8", max_num_seqs=32,
                     gpu_memory_utilization=0.9, tensor_parallel_size=4)
LOCAL = ServeConfig(model=str(REPO_ROOT / "llmopt/demo/assets/large"),
                    served_model_name="demo:large", tensor_parallel_size=1)


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_vllm_serve_puts_the_model_first() -> None:
    argv = serve_argv(CONFIG)
    assert argv[:3] == ["vllm", "serve", "meta-llama/Llama-3.1-8B-Instruct"]
    assert "--model" not in argv and flag(argv, "--tensor-parallel-size") == "4"


def test_image_is_the_pinned_vllm() -> None:
    pin = (REPO_ROOT / "requirements" / "vllm.txt").read_text()
    assert re.search(rf"^vllm(-cpu)?=={re.escape(VLLM_VERSION)}$", pin, re.M)
    assert f"vllm/vllm-openai:v{VLLM_VERSION}" == IMAGE


def test_docker_runs_the_image_with_every_gpu_and_the_flags() -> None:
    command = docker_command(CONFIG)
    words = shlex.split(command.replace("$HOME", "/home/u"))
    assert words[:6] == ["docker", "run", "--gpus", "all", "--ipc=host", "-p"]
    image_at = words.index(IMAGE)
    assert words[image_at + 1:] == CONFIG.to_args()
    assert "/home/u/.cache/huggingface:/root/.cache/huggingface" in words


def test_docker_mounts_a_local_model() -> None:
    words = shlex.split(docker_command(LOCAL).replace("$HOME", "/home/u"))
    assert f"{LOCAL.model}:/models/large:ro" in words
    assert flag(words, "--model") == "/models/large"


def test_kubernetes_manifest_parses_and_carries_the_numbers() -> None:
    deployment, service = yaml.safe_load_all(k8s_manifest(CONFIG, gpus=4))
    assert deployment["kind"] == "Deployment" and service["kind"] == "Service"
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == IMAGE and container["command"] == ["vllm", "serve"]
    args = container["args"]
    assert args[0] == "meta-llama/Llama-3.1-8B-Instruct"
    assert flag(args, "--tensor-parallel-size") == "4" and flag(args, "--max-model-len") == "8192"
    assert flag(args, "--kv-cache-dtype") == "fp8" and flag(args, "--port") == "8000"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 4
    assert container["resources"]["requests"]["nvidia.com/gpu"] == 4
    assert {v["name"] for v in pod["volumes"]} == {"hf-cache", "shm"}
    name = deployment["metadata"]["name"]
    assert service["spec"]["selector"] == {"app": name} == deployment["spec"]["selector"][
        "matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == 8000


def test_kubernetes_mounts_a_local_model_from_a_volume() -> None:
    deployment, _ = yaml.safe_load_all(k8s_manifest(LOCAL, gpus=1))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][0] == "/models/large"
    assert {"name": "models", "mountPath": "/models", "readOnly": True} in container[
        "volumeMounts"]


def test_kubernetes_refuses_a_multi_node_plan() -> None:
    spread = CONFIG.model_copy(update={"extra_args": ["--pipeline-parallel-size", "2"]})
    with pytest.raises(ConfigError, match="LeaderWorkerSet or KubeRay"):
        k8s_manifest(spread, gpus=8)


@pytest.mark.parametrize(("model", "name"), [
    ("meta-llama/Llama-3.1-8B-Instruct", "vllm-llama-3-1-8b-instruct"),
    ("/x/y/Some_Model", "vllm-some-model"), ("demo:large", "vllm-demo-large"),
])
def test_names_are_dns_labels(model: str, name: str) -> None:
    assert k8s_name(model) == name
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63


def test_ray_steps_spread_the_plan_over_nodes() -> None:
    steps = ray_steps(CONFIG, nodes=2, gpus_per_node=8)
    assert steps.head == "ray start --head --port=6379"
    assert steps.worker == "ray start --address=HEAD_IP:6379"
    argv = steps.serve_argv
    assert flag(argv, "--tensor-parallel-size") == "8"
    assert flag(argv, "--pipeline-parallel-size") == "2"
    assert flag(argv, "--distributed-executor-backend") == "ray"
    assert argv.count("--pipeline-parallel-size") == 1
    assert "`ray status` lists 16 GPUs" in steps.text()
    with pytest.raises(ConfigError, match="nodes >= 2"):
        ray_steps(CONFIG, nodes=1, gpus_per_node=8)


def test_container_flags_are_what_docker_passes() -> None:
    from llmopt.serve.plan import container_flags

    assert container_flags(CONFIG) == CONFIG.to_args()
    assert container_flags(LOCAL)[:2] == ["--model", "/models/large"]
