# The two commands of the README, and their helpers. Environments live in a cache folder
# outside the clone (LLMOPT_CACHE_DIR, default ~/.cache/llmopt), keyed by their requirements.
SHELL := /bin/bash
PY := .venv/bin/python
PROFILE ?= cookbook/profiles/demo.yaml
PYTEST_ARGS ?=
# A folder made by `make wheelhouse`: `make env WHEELHOUSE=wheelhouse` installs from it alone,
# no index (a room without network); empty: from the indexes, as always.
WHEELHOUSE ?=
export WHEELHOUSE

.PHONY: env wheelhouse pilot test test-fast lint demo-build clean

env:
	@.ci/debs
	@.ci/venv main requirements/main.txt .venv
	@.ci/venv vllm requirements/vllm.txt .venv-vllm
	@$(PY) -c "import llmopt, llmopt.widgets, pathlib, sys; sys.exit(pathlib.Path(llmopt.__file__).resolve().parents[1] != pathlib.Path.cwd().resolve())" 2>/dev/null \
	  || $(if $(WHEELHOUSE),PIP_NO_INDEX=1 PIP_FIND_LINKS=$(abspath $(WHEELHOUSE))/main) \
	     $(PY) -m pip install --quiet --no-deps -e . > .venv/install.log 2>&1 \
	  || { cat .venv/install.log; exit 1; }

wheelhouse:  ## every wheel both environments need, in wheelhouse/{main,vllm} (or WHEELHOUSE=DIR): run where there is network
	@.ci/wheelhouse main requirements/main.txt $(or $(WHEELHOUSE),wheelhouse)
	@.ci/wheelhouse vllm requirements/vllm.txt $(or $(WHEELHOUSE),wheelhouse)

pilot: env  ## run the cookbook on the demo profile (or PROFILE=...), skipping current notebooks (FRESH=1: all)
	$(PY) -m llmopt.cli pilot --profile $(PROFILE) $(if $(FRESH),--fresh)

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
