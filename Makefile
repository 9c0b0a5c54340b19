# The course's human interface. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader runs alembic from PATH; the venv's tools come first.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export JUPYTER_PLATFORM_DIRS := 1
# The course venv's kernel and settings win over a learner's own (user-level) Jupyter files.
export JUPYTER_PREFER_ENV_PATH := 1
# The course's models are tiny: one thread each is faster than two threads fighting over 2 cores
# (chapter 04 under parallel tests: 14 s with 1 thread, 54 s with 2). Override: make OMP_NUM_THREADS=2 ...
export OMP_NUM_THREADS ?= 1
# Lab must not start a news or update check (no internet for many learners, and noisy).
LAB_FLAGS := --ServerApp.root_dir=notebooks --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
ifeq ($(shell id -u),0)
LAB_FLAGS += --allow-root
endif
SUBMISSIONS ?= submitted
# make grade INSECURE=1: grade even without namespaces (kernels run with your user's rights)
GRADE_FLAGS := $(if $(INSECURE),--insecure)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: help setup lab test test-fast release outputs sync grade grade-demo bench mutants lock clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv with the pinned requirements (idempotent)

$(STAMP): requirements.lock pyproject.toml autograder/lab_settings.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.lock
	@# The lock was frozen from torch's CPU build; elsewhere PyPI's torch is a CUDA build that needs
	@# its nvidia-* wheels: let pip add torch's own dependencies (a no-op for the CPU build).
	$(BIN)/python -m pip install --quiet -c requirements.lock "torch==$$(sed -n 's/^torch==//p' requirements.lock)"
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
	  || $(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m autograder.lab_settings $(VENV)
	touch $@

lab: setup ## open JupyterLab on the learner notebooks
	$(BIN)/jupyter lab $(LAB_FLAGS)

test: setup ## run every test (unit, notebooks under nbval, grading round trips, browser, mutants)
	$(BIN)/python -m autograder.browser_setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with solutions/nbval_sanitize.cfg \
	  -n $(JOBS) --dist loadfile -p no:cacheprovider solutions
	$(BIN)/python -m autograder.mutation --jobs $(JOBS) solutions

test-fast: setup ## unit tests only (seconds)
	$(BIN)/python -m pytest -m "not slow and not e2e" tests

release: setup ## regenerate notebooks/ from solutions/ (never touches a gradebook)
	$(BIN)/course release

outputs: setup ## re-execute the solution notebooks from their .py scripts, storing fresh outputs
	$(BIN)/course outputs

sync: setup ## rebuild the solution .ipynb files from their .py scripts, keeping stored outputs (no execution)
	$(BIN)/course outputs --no-execute

grade: setup ## grade $(SUBMISSIONS)/ (folder or zip): gradebook, grades.csv, feedback/
	$(BIN)/course grade --submissions $(SUBMISSIONS) --jobs $(JOBS) $(GRADE_FLAGS)

grade-demo: setup ## grade a built-in sample class in a scratch folder
	$(BIN)/course grade-demo --jobs $(JOBS) $(GRADE_FLAGS)

mutants: setup ## mutation testing: single-token changes of every solution must fail their checks
	$(BIN)/python -m autograder.mutation --jobs $(JOBS) solutions

bench: setup ## time stock nbgrader autograde against make grade on the sample class
	$(BIN)/python -m autograder.bench --jobs $(JOBS) $(BENCH_ARGS)

lock: ## re-resolve requirements.in into requirements.lock (needs the registry)
	rm -rf /tmp/course-lock && $(PYTHON) -m venv /tmp/course-lock
	/tmp/course-lock/bin/pip install --quiet -r requirements.in
	{ sed -n '1,3p' requirements.lock; /tmp/course-lock/bin/pip freeze | sed 's/+cpu//' \
	  | grep -vE '^(rfc3987-syntax|lark)=='; } > requirements.lock.new && mv requirements.lock.new requirements.lock

clean: ## remove the venv and generated scratch files (never submissions or gradebooks)
	rm -rf $(VENV) .pytest_cache tests/.artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
