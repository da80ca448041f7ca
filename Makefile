# The two commands of the README, and their helpers. Environments live in a cache folder
# outside the clone (LLMOPT_CACHE_DIR, default ~/.cache/llmopt), keyed by their requirements.
SHELL := /bin/bash
PY := .venv/bin/python
PROFILE ?= cookbook/profiles/demo.yaml
PYTEST_ARGS ?=

.PHONY: env pilot test test-fast lint demo-build clean

env:
	@.ci/debs
	@.ci/venv main requirements/main.txt .venv
	@.ci/venv vllm requirements/vllm.txt .venv-vllm
	@$(PY) -c "import llmopt, llmopt.widgets, pathlib, sys; sys.exit(pathlib.Path(llmopt.__file__).resolve().parents[1] != pathlib.Path.cwd().resolve())" 2>/dev/null \
	  || $(PY) -m pip install --quiet --no-deps -e . > .venv/install.log 2>&1 \
	  || { cat .venv/install.log; exit 1; }

pilot: env  ## run every cookbook notebook on the demo profile (or PROFILE=...)
	$(PY) -m llmopt.cli pilot --profile $(PROFILE)

test: env  ## the whole suite: unit, integration (real vLLM), notebooks
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: env  ## unit tests only (no vLLM server)
	$(PY) -m pytest -m "not vllm and not slow" $(PYTEST_ARGS)

lint: env
	$(PY) -m ruff check llmopt widgets tests benchmarks

demo-build: env  ## retrain the demo models (about 70 minutes on 2 cores)
	$(PY) -m llmopt.demo.build

clean:
	rm -rf results .pytest_cache
