# flagger-py developer commands. On a fresh machine:
#   make demo   the product's main job on an embedded default: simulate a release of the bundled canary
#   make test   everything CI runs: installs what it needs, then lint, types, layers and all tests
#   make e2e    only the end-to-end tests: real pods behind Traefik, in a private network namespace
#   make e2e-flagger  the end-to-end scenarios by flagger-py and Flagger 1.44 side by side (not in make test)
#   make bench  the scale benchmark, flagger-py and Flagger 1.44 side by side (not part of make test)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test e2e e2e-flagger bench venv system-deps testenv lint typecheck layers pytest crd-reference clean

demo: venv
	@echo "$$ flagger-py validate examples/"
	@$(BIN)/flagger-py validate examples/
	@echo
	@echo "$$ flagger-py simulate examples/podinfo-canary.yaml"
	@$(BIN)/flagger-py simulate examples/podinfo-canary.yaml
	@echo
	@echo "Next: run a release on your own cluster with the first tutorial, docs/tutorials/kubernetes.md"
	@echo "(or try: .venv/bin/flagger-py simulate examples/podinfo-canary.yaml --scenario examples/scenarios/latency-regression.yaml)"

test: system-deps testenv venv lint typecheck layers pytest e2e

# Root is needed for the namespace, containerd and the kubelet (scripts/netns.sh uses sudo otherwise).
e2e: system-deps testenv venv
	scripts/netns.sh $(BIN)/pytest tests/e2e -p no:cacheprovider $(E2E_ARGS)

# Both controllers on the same environment and Canary specs (10 s intervals, Flagger's minimum); the
# table and the timelines go to $(E2E_RESULTS) (git-ignored), for tests/e2e/RESULTS.md and the plots.
E2E_RESULTS ?= tests/e2e/results
e2e-flagger: system-deps testenv venv
	testenv/flagger.sh
	FLAGGER_PY_E2E_CONTROLLERS=flagger-py,flagger FLAGGER_PY_E2E_RESULTS=$(abspath $(E2E_RESULTS)) \
		scripts/netns.sh $(BIN)/pytest tests/e2e -p no:cacheprovider $(E2E_ARGS)

# SIZES=10,100 make bench for a quick run; BENCH_ARGS="--release-timeout 600" caps each release;
# results in bench/results/ (git-ignored)
SIZES ?= 10,100,1000
bench: system-deps testenv venv
	@$(PIP_QUIET_BUILD) -e '.[bench]'
	$(BIN)/python -m bench.scale --sizes $(SIZES) $(BENCH_ARGS)

venv: $(STAMP)

# setuptools' warnings about editable installs are not ours to show: PIP_QUIET_BUILD silences them.
PIP_QUIET_BUILD = PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install -q --disable-pip-version-check

$(STAMP): pyproject.toml
	@echo "venv: installing flagger-py and its dev tools into $(VENV) (once per change of pyproject.toml) ..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP_QUIET_BUILD) --upgrade pip
	@$(PIP_QUIET_BUILD) -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

system-deps:
	scripts/system-deps.sh

testenv:
	testenv/build.sh
	testenv/flagger.sh
	testenv/flaggerhash.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

layers: venv
	$(BIN)/lint-imports

pytest: venv
	$(BIN)/pytest

crd-reference: venv
	$(BIN)/python -m flagger_py.crd.reference > docs/crd-reference.md
	cp crds/*.yaml charts/flagger-py/crds/

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
