"""Pilot profiles: the papermill parameters every cookbook notebook runs with.

`cookbook/profiles/demo.yaml` (offline, CPU, the demo world), `gpu.yaml` (a rented GPU with
real models) and `api.yaml` (two models of a hosted API and the team's imported traffic) are all
validated by `Profile`. A model is a local folder, a hub id (gpu profile only: hub downloads
happen on the user's machine, never here), `demo:small` / `demo:large`, or on the api profile a
model name llmopt.pricing knows (it is priced as that model and counted with tiktoken).

`attach` names a running OpenAI-compatible server per model (a workshop's GPU box, a team's
deployment, the pilot's shared servers): `server("target")` with the profile's own configuration
then attaches to it instead of starting vLLM. With `launch_servers: false` nothing is started
here: a notebook that needs another configuration (other flags, a quantized model) does not
apply, and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from llmopt import offline, quiet, tokens, workload
from llmopt.config import explain, read_yaml
from llmopt.demo import assets, generator
from llmopt.errors import ConfigError, NotApplicable
from llmopt.serve import ServeConfig, VllmServer
from llmopt.settings import REPO_ROOT
from llmopt.workload import WorkloadItem

if TYPE_CHECKING:
    from llmopt.bench.counter import TokenCounter

DEMO_PREFIX = "demo:"
HELD_OUT_AFTER = 120
"""Requests after the first `n_requests` that notebooks may draw on (warm-ups, 09's output
lengths, 11's teacher labels): the held-out sample of the business case starts past them."""


class AttachedServer(BaseModel):
    """A running OpenAI-compatible server for one of the profile's models."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(pattern=r"^https?://\S+/v1/?$")
    """Its OpenAI-compatible base URL, ending in /v1, e.g. http://gpu-box:8000/v1."""
    api_key_env: str | None = None
    """The environment variable holding the key it requires (never the key itself)."""
    log_path: str | None = None
    """Its log file, where this machine can read it (the pilot's own shared servers)."""
    startup_s: float | None = None
    """How long it took to start, where known."""


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: Literal["demo", "gpu", "api"]
    target_model: str
    """The model the pilot optimizes (the strong tier of the router)."""
    draft_model: str
    """A small model with the same tokenizer: speculative draft and cheap router tier."""
    workload: str
    """`demo` for the generated demo workload, or a path to a workload JSONL file (relative to
    the repository, e.g. data/workload.jsonl as `llmopt import --output` wrote it)."""
    n_requests: int
    seed: int = 0
    dtype: str = "auto"
    max_model_len: int
    kv_cache_space_gib: int = 1
    """KV-cache space in GiB for vLLM's CPU build (VLLM_CPU_KVCACHE_SPACE); ignored on GPUs."""
    vllm_launcher: list[str] | None = None
    """Command that starts vLLM's OpenAI server, e.g. ["vllm", "serve"]; None = local .venv-vllm."""
    results_dir: str = "results"
    requests_per_day: int = 10_000
    """The traffic the business case is sized for."""
    gpu: str = "L4-24GB"
    """The rented GPU self-hosting is priced with (a name in llmopt.pricing's GPU catalog)."""
    setup_cost_usd: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """One-off cost of moving to self-hosting (engineering, migration), for the payback."""
    quality_budget_points: float = Field(default=2.0, ge=0, allow_inf_nan=False)
    """The accuracy a technique may lose (points) and still be kept: a decision keeps it only
    when the 95% interval of its paired difference lies above minus this (llmopt.evidence)."""
    attach: dict[Literal["target", "draft"], AttachedServer] = {}
    """Servers already running for the target and draft models: notebooks use them instead of
    starting vLLM with the profile's configuration."""
    launch_servers: bool = True
    """False where this machine starts no vLLM (a workshop laptop on a shared GPU box): the
    comparisons that need a server of their own configuration do not apply."""
    eagle_head: str | None = None
    """An EAGLE-3 draft head trained for `target_model` (hub id or folder) for speculative
    decoding (notebook 06); None: no EAGLE run (none ships with the demo world)."""
    quality_grader: str | None = None
    """The team's own grader, `module:function` (a function grade(output, item, reference),
    llmopt.grading.load_grader); None: quality is agreement with the strong model's (or the
    logged) answer, exact match on its JSON fields or a judge model's verdict
    (llmopt.grading.choose_metric). Only the format is checked on load; the import happens
    on use."""

    @field_validator("quality_grader")
    @classmethod
    def _grader_format(cls, value: str | None) -> str | None:
        from llmopt.grading.spec import check_spec  # imported here: only profiles that name one

        return None if value is None else check_spec(value)

    @model_validator(mode="after")
    def _api_models(self) -> Profile:
        """The api profile reaches both models at `attach` (nothing is started) and prices
        them by name: an unknown name fails now, with close matches, not after the calls."""
        if self.profile != "api":
            return self
        missing = [w for w in ("target", "draft") if w not in self.attach]
        if missing or self.launch_servers:
            raise ValueError("profile api reaches its models through attach.target and "
                             "attach.draft (base_url, api_key_env) and starts nothing: give "
                             f"both (missing: {missing or 'none'}) and launch_servers: false")
        from llmopt.pricing import price_for  # imported here: only the api profile prices names

        for field in ("target_model", "draft_model"):
            try:
                price_for(getattr(self, field))
            except ConfigError as error:
                raise ValueError(f"{field} on profile api: {error}") from None
        return self

    @field_validator("n_requests", "max_model_len", "kv_cache_space_gib", "requests_per_day")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"must be positive, got {value}")
        return value

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        data = read_yaml(Path(path), "profile")
        try:
            profile = cls.model_validate(data)
        except ValidationError as error:
            raise ConfigError(f"{path}: {explain(error)}") from None
        profile.results_folder()
        return profile

    def results_folder(self) -> Path:
        """Where the pilot writes: `<repository>/<results_dir>/<profile>`. A results_dir that
        leads out of the repository (`..`, an absolute path) is refused: a shared profile must
        not write wherever it says."""
        out = (REPO_ROOT / self.results_dir / self.profile).resolve()
        if not out.is_relative_to(REPO_ROOT.resolve()):
            raise ConfigError(f"results_dir {self.results_dir!r} leads out of the repository "
                              f"(to {out}); give a folder inside it, such as 'results'")
        return out

    @classmethod
    def from_parameters(cls, namespace: dict) -> Profile:
        """Validate a notebook's parameters (its globals) and prepare the process for them.
        Only data is read: a global that shares a field's name but is a module, class or other
        object (`from llmopt.demo import grader`) is not a parameter."""
        data = (str, int, float, bool, list, dict, type(None))
        profile = cls.model_validate({k: namespace[k] for k in cls.model_fields
                                      if k in namespace and isinstance(namespace[k], data)})
        profile.prepare()
        return profile

    def prepare(self) -> None:
        """Third-party log lines that are not news stay out of the output (llmopt.quiet); the
        demo profile runs offline: no hub, no downloads (llmopt.offline)."""
        quiet.install()
        if self.profile == "demo":
            offline.enable()

    def model(self, which: Literal["target", "draft"]) -> str:
        """The target or draft model as vLLM and transformers take it."""
        return resolve_model(self.target_model if which == "target" else self.draft_model)

    @property
    def self_hosted(self) -> bool:
        """True where the models run on vLLM (started here or attached): /metrics to check
        against, a local tokenizer; False on the api profile (a provider's models)."""
        return self.profile != "api"

    @property
    def existing_results(self) -> Literal["resume", "overwrite"]:
        """What a benchmark does with the results an earlier run left (llmopt.bench.run's
        `existing`): on the api profile every request is billed, so an interrupted or repeated
        run resumes and sends only what is missing; elsewhere a server is measured afresh."""
        return "overwrite" if self.self_hosted else "resume"

    def token_counter(self, which: Literal["target", "draft"]) -> TokenCounter:
        """How the client counts `which`'s tokens (llmopt.tokens.counter): the model's own
        tokenizer where it is a local folder, tiktoken for an API model's name."""
        return tokens.counter(self.model(which))

    def workload_file(self) -> Path:
        """The workload file; a relative path is taken from the repository's root, wherever the
        notebook runs (papermill runs them in cookbook/)."""
        if self.workload == "demo":
            raise ConfigError("the demo workload is generated, not read from a file")
        return REPO_ROOT / self.workload  # an absolute path stays as it is

    def workload_items(self) -> list[WorkloadItem]:
        """The first `n_requests` requests of the profile's workload."""
        if self.workload == "demo":
            return generator.generate(self.n_requests, seed=self.seed)
        return workload.load_jsonl(self.workload_file())[: self.n_requests]

    def warmup_items(self, k: int = 4) -> list[WorkloadItem]:
        """`k` requests of the same workload that are not among `workload_items()` (the ones
        after them), to warm a server up before it is timed; a workload file without that many
        more gives its first `k`."""
        if self.workload == "demo":
            return generator.generate(self.n_requests + k, seed=self.seed)[self.n_requests:]
        items = workload.load_jsonl(self.workload_file())
        more = items[self.n_requests: self.n_requests + k]
        return more if len(more) == k else items[:k]

    def held_out_items(self, n: int) -> list[WorkloadItem]:
        """`n` requests of the same workload that no notebook tunes on: the ones after the
        first `n_requests` and the `HELD_OUT_AFTER` requests past them that notebooks draw
        warm-ups, output lengths (09) and teacher labels (11) from. A workload file without
        that many lines is a ConfigError naming how many are missing."""
        if n < 1:
            raise ConfigError(f"held_out_items needs n >= 1 requests, got {n}")
        start = self.n_requests + HELD_OUT_AFTER
        if self.workload == "demo":
            return generator.generate(start + n, seed=self.seed)[start:]
        every = workload.load_jsonl(self.workload_file())
        if len(every) < start + n:
            raise ConfigError(
                f"workload {self.workload} has {len(every)} requests; {n} held-out ones after "
                f"the first {self.n_requests} (n_requests) and {HELD_OUT_AFTER} more need "
                f"{start + n}: {start + n - len(every)} missing; add them to the file or hold "
                "out fewer")
        return every[start: start + n]

    def serve_config(self, which: Literal["target", "draft"], **overrides) -> ServeConfig:
        """A vLLM config for the target or draft model, served under its profile name.

        On the demo profile (vLLM's CPU build, whose default gives the model worker a process
        of its own) the worker runs inside the engine core's process (`worker_in_process`):
        one process fewer imports vLLM and torch, so demo `large` starts in about half the time
        (README, "vLLM server start-up"; benchmarks/server_startup.py), and serves at 0.75-0.83x
        the req/s at one stream and 1.14-1.27x at 16 (benchmarks/process_mode.py), the same for
        every configuration a notebook compares. `-O0` stays opt-in: it is the slowest at one
        stream. Pass `worker_in_process=False` for vLLM's own layout."""
        name = self.target_model if which == "target" else self.draft_model
        fields = {"model": resolve_model(name), "served_model_name": name, "dtype": self.dtype,
                  "max_model_len": self.max_model_len, "worker_in_process": self.profile == "demo"}
        return ServeConfig(**(fields | overrides))

    def server(self, which: Literal["target", "draft"], **overrides) -> VllmServer:
        """A (not yet started) server for `which`, with the profile's launcher and KV space;
        the attached one where the profile names one and `overrides` change nothing."""
        config = self.serve_config(which, **overrides)
        attached = self.attach.get(which)
        if attached is not None and config == self.serve_config(which):
            if attached.api_key_env and not os.environ.get(attached.api_key_env):
                raise ConfigError(f"attach.{which}.api_key_env: environment variable "
                                  f"{attached.api_key_env} is not set; export the {which} "
                                  "model's API key there")
            config = config.model_copy(update={"api_key_env": attached.api_key_env})
            return VllmServer.attached(config, attached.base_url, log_path=attached.log_path,
                                       startup_s=attached.startup_s)
        if not self.launch_servers:
            wanted = f"with {overrides}" if overrides else "with the profile's configuration"
            raise NotApplicable(f"this profile starts no server (launch_servers: false) and none "
                              f"is attached for a {which} server {wanted}; this comparison "
                              "needs a machine that can start vLLM")
        env = {"VLLM_CPU_KVCACHE_SPACE": str(self.kv_cache_space_gib)}
        return VllmServer(config, launcher=self.vllm_launcher, env=env)

    def fingerprint(self) -> str:
        """What the pilot's results depend on, hashed: every field but where results go and
        which running servers are attached (their addresses change from run to run), and the
        workload file's content where the workload is a file. Results stamped with another
        fingerprint are stale (llmopt.results.load)."""
        fields = self.model_dump(mode="json", exclude={"results_dir", "attach"})
        if self.workload != "demo" and self.workload_file().is_file():
            with self.workload_file().open("rb") as file:
                fields["workload_sha256"] = hashlib.file_digest(file, "sha256").hexdigest()
        text = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def parameters(self) -> dict:
        """The papermill parameters: the fields that are set (an unset one keeps the notebook's
        default, None, so notebooks without that knob are not handed an unknown parameter)."""
        return self.model_dump(exclude_none=True)


def resolve_model(name: str) -> str:
    """`demo:large` -> the shipped folder; anything else is returned as given."""
    if name.startswith(DEMO_PREFIX):
        return str(assets.model_dir(name.removeprefix(DEMO_PREFIX)))
    return name
