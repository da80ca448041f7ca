"""What to run on the rented machine: `vllm serve`, `docker run`, a Kubernetes manifest, Ray.

All four come from one `ServeConfig` (the plan's flags), so they cannot drift apart:
- `serve_argv`: `vllm serve MODEL --flags` (the `vllm` package on the GPU box);
- `docker_command`: vLLM's OpenAI image (`vllm/vllm-openai`, whose entrypoint is `vllm serve`);
- `k8s_manifest`: a Deployment and a Service as in vLLM's Kubernetes guide (the production
  stack's Helm chart renders the same shape), GPUs as `nvidia.com/gpu` resources;
- `ray_steps`: tensor parallel inside each node, pipeline parallel across nodes, over Ray.
A local model folder is mounted at /models/<folder name> in the container.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from llmopt.errors import ConfigError
from llmopt.serve.config import ServeConfig
from llmopt.serve.model_ref import is_local
from llmopt.serve.plan.schemes import VLLM_VERSION

IMAGE = f"vllm/vllm-openai:v{VLLM_VERSION}"
PORT = 8000
RAY_PORT = 6379
_PARALLEL_FLAGS = ("--pipeline-parallel-size", "--distributed-executor-backend")


def serve_argv(config: ServeConfig) -> list[str]:
    """`vllm serve MODEL --flags` (vLLM listens on 0.0.0.0:8000 unless told otherwise)."""
    flags = config.to_args()
    return ["vllm", "serve", flags[1], *flags[2:]]


def serve_command(config: ServeConfig) -> str:
    return shlex.join(serve_argv(config))


def docker_command(config: ServeConfig, image: str = IMAGE, port: int = PORT) -> str:
    """`docker run` of vLLM's OpenAI image with all GPUs, the HF cache and HF_TOKEN passed in."""
    flags, mounts = _container_flags(config)
    mounts = ["-v", "$HOME/.cache/huggingface:/root/.cache/huggingface", *mounts]
    head = ["docker", "run", "--gpus", "all", "--ipc=host", "-p", f"{port}:8000",
            "--env", "HF_TOKEN"]
    quoted = [shlex.quote(a) if not a.startswith("$HOME") else a for a in mounts]
    return " ".join([shlex.join(head), *quoted, shlex.join([image, *flags])])


def k8s_manifest(config: ServeConfig, gpus: int, name: str | None = None, image: str = IMAGE,
                 port: int = PORT) -> str:
    """A Deployment (one pod with `gpus` GPUs) and a Service, as YAML documents."""
    if _pipeline_size(config) > 1:
        raise ConfigError("a multi-node (pipeline parallel) plan needs one pod per node: on "
                          "Kubernetes use LeaderWorkerSet or KubeRay (vLLM's docs); see "
                          "ray_steps for the flags")
    name = name or k8s_name(config.name)
    flags, _ = _container_flags(config)
    return _HEADER + yaml.safe_dump_all([_deployment(name, flags, gpus, image, port, config),
                                         _service(name, port)], sort_keys=False)


class RaySteps(BaseModel):
    """Tensor parallel inside each node, pipeline parallel across nodes, over a Ray cluster."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nodes: int
    gpus_per_node: int
    head: str
    """On the head node, first."""
    worker: str
    """On every other node."""
    serve_argv: list[str]
    """On the head node once `ray status` shows every GPU."""

    def text(self) -> str:
        return "\n".join([
            f"# {self.nodes} nodes x {self.gpus_per_node} GPUs, same vLLM {VLLM_VERSION} and "
            "model path (or HF cache) on each",
            f"# 1. head node:\n{self.head}",
            f"# 2. each of the other {self.nodes - 1} node(s), HEAD_IP = the head's address:\n"
            f"{self.worker}",
            f"# 3. check: `ray status` lists {self.nodes * self.gpus_per_node} GPUs; then on "
            f"the head node:\n{shlex.join(self.serve_argv)}",
            "# Set VLLM_HOST_IP to each node's own IP, and NCCL_SOCKET_IFNAME / "
            "GLOO_SOCKET_IFNAME to the interface between nodes; vLLM's "
            "examples/online_serving/run_cluster.sh runs these steps in containers.",
        ])


def ray_steps(config: ServeConfig, nodes: int, gpus_per_node: int) -> RaySteps:
    """The Ray commands that run `config` as `gpus_per_node` tensor parallel x `nodes` stages."""
    if nodes < 2 or gpus_per_node < 1:
        raise ConfigError(f"a Ray multi-node plan needs nodes >= 2 and gpus_per_node >= 1, got "
                          f"{nodes} and {gpus_per_node}")
    extra = _without(config.extra_args, _PARALLEL_FLAGS)
    extra += ["--pipeline-parallel-size", str(nodes), "--distributed-executor-backend", "ray"]
    spread = config.model_copy(update={"tensor_parallel_size": gpus_per_node,
                                       "extra_args": extra})
    return RaySteps(nodes=nodes, gpus_per_node=gpus_per_node,
                    head=f"ray start --head --port={RAY_PORT}",
                    worker=f"ray start --address=HEAD_IP:{RAY_PORT}",
                    serve_argv=serve_argv(spread))


def k8s_name(model: str) -> str:
    """A DNS-1123 name for `model`: lower case, digits and '-', at most 63 characters."""
    base = Path(model).name if is_local(model) else model.split("/")[-1]
    name = re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-")[:56].strip("-")
    return f"vllm-{name or 'model'}"


# --- helpers ---------------------------------------------------------------------------------

_HEADER = (f"# vLLM {VLLM_VERSION} on Kubernetes, generated by llmopt.serve.plan. The model "
           "cache is an emptyDir: use a PersistentVolumeClaim to keep downloads across "
           "restarts.\n# A gated model needs: kubectl create secret generic hf-token "
           "--from-literal=token=$HF_TOKEN\n")


def container_flags(config: ServeConfig) -> list[str]:
    """The flags the container's `vllm serve` gets (a local model as /models/<name>)."""
    return _container_flags(config)[0]


def _container_flags(config: ServeConfig) -> tuple[list[str], list[str]]:
    """The flags inside a container (a local model mounted at /models/<name>) and the mounts."""
    flags = config.to_args()
    if not is_local(config.model):
        return flags, []
    inside = f"/models/{Path(flags[1]).name}"
    return ["--model", inside, *flags[2:]], ["-v", f"{flags[1]}:{inside}:ro"]


def _deployment(name: str, flags: list[str], gpus: int, image: str, port: int,
                config: ServeConfig) -> dict:
    def probe(**more: int) -> dict:
        return {"httpGet": {"path": "/health", "port": port}, "periodSeconds": 10, **more}

    volumes = [{"name": "hf-cache", "emptyDir": {}},
               {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}]
    mounts = [{"name": "hf-cache", "mountPath": "/root/.cache/huggingface"},
              {"name": "shm", "mountPath": "/dev/shm"}]  # nosec B108 # a pod's shm mount, not a temp file
    if is_local(config.model):
        volumes.append({"name": "models", "persistentVolumeClaim": {"claimName": "models"}})
        mounts.append({"name": "models", "mountPath": "/models", "readOnly": True})
    container = {
        "name": "vllm", "image": image, "command": ["vllm", "serve"],
        "args": [flags[1], *flags[2:], "--port", str(port)],
        "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {
            "name": "hf-token", "key": "token", "optional": True}}}],
        "ports": [{"name": "http", "containerPort": port}],
        "resources": {"limits": {"nvidia.com/gpu": gpus}, "requests": {"nvidia.com/gpu": gpus}},
        "volumeMounts": mounts,
        "startupProbe": probe(failureThreshold=60),
        "readinessProbe": probe(),
        "livenessProbe": probe(),
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container], "volumes": volumes}}}}


def _service(name: str, port: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "type": "ClusterIP",
                     "ports": [{"name": "http", "port": port, "targetPort": port}]}}


def _pipeline_size(config: ServeConfig) -> int:
    args = config.extra_args
    for i, arg in enumerate(args[:-1]):
        if arg == "--pipeline-parallel-size":
            return int(args[i + 1])
    return 1


def _without(args: list[str], flags: tuple[str, ...]) -> list[str]:
    """`args` without `flags` and their values."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in flags:
            skip = True
        else:
            kept.append(arg)
    return kept
