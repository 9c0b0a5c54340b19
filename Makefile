# The course's human interface. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Any Python 3.10 to 3.13 (autograder/maintainers/pythons.py says so, first thing in `make setup`).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# uv makes and checks the lock (make lock, tests/test_pythons.py); it lives in a tool venv of its own.
UV_VERSION := 0.13.9
TOOLS  := .venv-tools
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)
export COURSE_UV := $(abspath $(TOOLS)/bin/uv)
# nbgrader runs alembic from PATH; the venv's tools come first.
export PATH := $(abspath $(BIN)):$(PATH)
export JUPYTER_PLATFORM_DIRS := 1
# The course venv's kernel and settings win over a learner's own (user-level) Jupyter files.
export JUPYTER_PREFER_ENV_PATH := 1
# The course's models are tiny: one thread each is faster than two threads fighting over 2 cores
# (chapter 04 under parallel tests: 14 s with 1 thread, 54 s with 2). Override: make OMP_NUM_THREADS=2 ...
export OMP_NUM_THREADS ?= 1
# The course's editions: English in notebooks/, each translation in notebooks/<code>/ (docs/editions.md).
# `make lab EDITION=zh` (or `make lab-zh`) opens the Chinese notebooks. `make lab LANG=zh` works too:
# LANG is also the locale every program reads, and "zh" is no locale, so a LANG given on the command
# line that names an edition picks the edition and the recipes get a valid UTF-8 locale instead.
EDITIONS := zh
ifeq ($(origin LANG),command line)
ifneq ($(filter $(LANG),$(EDITIONS)),)
EDITION := $(LANG)
override LANG := C.UTF-8
endif
endif
EDITION ?= en
ifeq ($(filter $(EDITION),en $(EDITIONS)),)
$(error EDITION=$(EDITION) is not an edition of this course: use one of en $(EDITIONS))
endif
LAB_ROOT := notebooks$(if $(filter-out en,$(EDITION)),/$(EDITION))
# Lab must not start a news or update check (no internet for many learners, and noisy).
LAB_FLAGS := --ServerApp.root_dir=$(LAB_ROOT) --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
ifeq ($(shell id -u),0)
LAB_FLAGS += --allow-root
endif
SUBMISSIONS ?= submitted
# where make grade writes (gradebook.db, grades.csv, scores.csv, report.html, feedback/; default: here);
# make formgrader opens OUT, or else the class graded last (make grade or make grade-demo)
OUT ?=
# make grade DUE="01_tensors=2026-12-01T23:59Z 02_autograd=..." LATE_POLICY=zero (due dates stay in the gradebook)
DUE ?=
LATE_POLICY ?= none
# make grade INSECURE=1: grade even without namespaces (kernels run with your user's rights)
# make grade GRADE_LANG=zh: report.html, grades.csv's status words and the summary in Chinese (kept for later runs)
GRADE_FLAGS := $(if $(INSECURE),--insecure) $(foreach d,$(DUE),--due $(d)) --late-policy $(LATE_POLICY) \
	$(if $(GRADE_LANG),--language $(GRADE_LANG))
# make grade SCHEDULER=tcp://host:8786: run the kernels on that Dask cluster's workers (docs/scale-out.md)
# make grade DB=postgresql://user@host/course: the gradebook on a database server instead of gradebook.db
CLUSTER_FLAGS := $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(DB),--db $(DB))
# nproc honours OMP_NUM_THREADS (1 above, or a learner's own): unset it to count the cores
JOBS ?= $(shell env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)
# make hub ROSTER=roster.csv: a class on one JupyterHub (docs/hub.md); its state in HUB_DIR, on HUB_IP:HUB_PORT
ROSTER ?=
HUB_DIR ?= .work/hub
HUB_FLAGS := $(if $(HUB_IP),--ip $(HUB_IP)) $(if $(HUB_PORT),--port $(HUB_PORT))
# JupyterHub's proxy, from npm at the version package-lock.json pins, installed into node_modules/
PROXY := node_modules/.bin/configurable-http-proxy
# Each learner's JupyterLab runs as their own user: where the venv's Python is not theirs to run (a pyenv
# under /root), `make hub` builds .venv-hub for them from a Python everyone can run
HUB_PYTHON ?= /usr/bin/python3

.PHONY: help setup lab test test-fast test-cuda test-unprivileged release outputs sync grade grade-demo formgrader bench mutants lock clean
.PHONY: lab-zh translations hub hub-demo learner-venv fresh-hub-venv

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv with the pinned requirements (idempotent)

$(STAMP): requirements.lock pyproject.toml autograder/maintainers/lab_settings.py autograder/maintainers/pythons.py
	@# Stop at once on a Python the lock does not cover (or one that cannot make a venv).
	@if test -x $(BIN)/python; then $(BIN)/python autograder/maintainers/pythons.py $(VENV); \
	 elif command -v $(PYTHON) >/dev/null; then $(PYTHON) autograder/maintainers/pythons.py; \
	 else echo "make setup: '$(PYTHON)' not found. Install Python 3.10 to 3.13, then: make setup PYTHON=/path/to/python3" >&2; exit 1; fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.lock
	@# The lock leaves out torch's CUDA-only wheels; where PyPI's torch is the CUDA build it needs
	@# them: let pip add torch's own dependencies (a no-op for the CPU build).
	$(BIN)/python -m pip install --quiet -c requirements.lock "torch==$$(sed -n 's/^torch==//p' requirements.lock)"
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
	  || $(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m autograder.maintainers.lab_settings $(VENV)
	@command -v bwrap >/dev/null || echo "make setup: bubblewrap (bwrap) is missing: learners need nothing more, but" \
	  "grading needs it to isolate kernels (as root: apt-get install bubblewrap)" >&2
	touch $@

lab: setup ## open JupyterLab on the learner notebooks (EDITION=zh: the Chinese edition)
	$(BIN)/jupyter lab $(LAB_FLAGS)

lab-zh: ## open JupyterLab on the Chinese edition (notebooks/zh/), the same as make lab EDITION=zh
	$(MAKE) lab EDITION=zh

NBVAL = $(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with solutions/nbval_sanitize.cfg \
	  -n $(JOBS) --dist loadfile -p no:cacheprovider solutions

test: ## every test: unit, lock on every Python, nbval, grading (Dask, PostgreSQL), browser, mutants, unprivileged
	@# .venv and, on a fresh clone whose Python the learners' servers cannot run, .venv-hub build side by side
	@$(MAKE) --no-print-directory -j2 setup $(UV_STAMP) fresh-hub-venv
	$(BIN)/python -m autograder.maintainers.browser_setup
	@# the translation tests validate the PO catalogues with gettext's msgfmt (skipped without it)
	@command -v msgfmt >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; } \
	  || echo "make test: gettext's msgfmt is missing (apt-get install gettext); its catalogue check is skipped" >&2
	@# the Chinese edition's plots need a CJK font; its browser test is skipped without one
	@fc-list :lang=zh 2>/dev/null | grep -q . || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; } \
	  || echo "make test: no Chinese font (apt-get install fonts-noto-cjk); the Chinese plot test is skipped" >&2
	@# the grading jail runs kernels under bubblewrap; without it the sandbox falls back to rlimits mode
	@command -v bwrap >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; } \
	  || echo "make test: bubblewrap (bwrap) is missing (apt-get install bubblewrap); the sandbox tests run in rlimits mode" >&2
	$(BIN)/python -m autograder.maintainers.postgres_setup
	@# the hub test needs JupyterHub's proxy (npm) and root (system users); it says why when it skips
	@$(MAKE) --no-print-directory $(PROXY) learner-venv || echo "make test: the hub's tools did not install; its tests say why they skip" >&2
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --durations=25 tests
	$(NBVAL)
	$(BIN)/python -m autograder.authoring.mutation --jobs $(JOBS) solutions
	$(BIN)/python tests/run_unprivileged.py --jobs $(JOBS)

test-cuda: setup ## nbval on the solutions with CUDA (run it on a machine with an NVIDIA GPU)
	$(BIN)/python -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 'test-cuda: torch ' + torch.__version__ + ' sees no CUDA device')"
	$(NBVAL)

test-unprivileged: setup ## grading, sandbox and red-team suites as an unprivileged user (userns, rlimits)
	$(BIN)/python tests/run_unprivileged.py --jobs $(JOBS)

test-fast: setup ## unit tests only (seconds)
	$(BIN)/python -m pytest -m "not slow and not e2e" tests

release: setup ## regenerate notebooks/ and each translated edition notebooks/<lang>/ (never touches a gradebook)
	$(BIN)/course release

translations: setup ## after an English edit: extract it into every PO catalogue (changed text turns fuzzy)
	$(BIN)/course translations

outputs: setup ## re-execute the solution notebooks from their .py scripts, storing fresh outputs
	$(BIN)/course outputs

sync: setup ## rebuild the solution .ipynb files from their .py scripts, keeping stored outputs (no execution)
	$(BIN)/course outputs --no-execute

grade: setup ## grade $(SUBMISSIONS)/ (folder or zip) into OUT (default: here): gradebook, grades.csv, scores.csv, report.html, feedback/
	$(BIN)/course grade --submissions $(SUBMISSIONS) --out $(or $(OUT),.) --jobs $(JOBS) $(GRADE_FLAGS) $(CLUSTER_FLAGS)

grade-demo: setup ## grade a built-in sample class in ./grade-demo (or DEMO_OUT=folder)
	$(BIN)/course grade-demo --out $(or $(DEMO_OUT),grade-demo) --jobs $(JOBS) $(GRADE_FLAGS)

formgrader: setup ## nbgrader's formgrader on the class graded last (or OUT=folder): review flagged submissions, override scores
	$(BIN)/course formgrader $(if $(OUT),--out $(OUT)) $(if $(DB),--db $(DB)) $(if $(PORT),--port $(PORT))

hub: setup $(PROXY) learner-venv ## run a class on one JupyterHub, as root (ROSTER=roster.csv: id,name,role,edition; docs/hub.md)
	$(BIN)/course hub start --dir $(HUB_DIR) $(if $(ROSTER),--roster $(ROSTER)) $(HUB_FLAGS)

hub-demo: setup $(PROXY) learner-venv ## a throwaway class on a hub, as root: prints its URL and accounts (Ctrl-C removes them)
	$(BIN)/course hub demo $(HUB_FLAGS)

# Where .venv is not built yet and user nobody cannot run $(PYTHON) (root's pyenv), learner-venv will
# need .venv-hub: build it now, beside .venv (pip uses one core), rather than after it.
fresh-hub-venv:
	@if test "$$(id -u)" = 0 && ! test -x $(BIN)/python && command -v runuser >/dev/null \
	  && ! runuser -u nobody -- "$$(command -v $(PYTHON))" -c "" 2>/dev/null; then \
	  $(MAKE) --no-print-directory setup VENV=.venv-hub PYTHON=$(HUB_PYTHON); fi

learner-venv: setup
	@test "$$(id -u)" != 0 || runuser -u nobody -- $(BIN)/python -c "import jupyterhub.singleuser, autograder" 2>/dev/null \
	  || $(MAKE) -q --no-print-directory .venv-hub/.installed VENV=.venv-hub PYTHON=$(HUB_PYTHON) \
	  || { echo "$(BIN)/python is not everyone's to run: building .venv-hub from $(HUB_PYTHON) for the learners' servers"; \
	       $(MAKE) --no-print-directory setup VENV=.venv-hub PYTHON=$(HUB_PYTHON); }

$(PROXY): package.json package-lock.json
	@command -v npm >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } \
	  || { echo "make: Node.js and npm are missing (apt-get install nodejs npm); make hub needs them" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

mutants: setup ## mutation testing: single-token changes of every solution must fail their checks
	$(BIN)/python -m autograder.authoring.mutation --jobs $(JOBS) solutions

bench: setup ## time stock nbgrader autograde against make grade (local, and on 2 Dask workers) on the sample class
	$(BIN)/python -m autograder.maintainers.bench --jobs $(JOBS) $(BENCH_ARGS)

lock: setup $(UV_STAMP) ## re-resolve requirements.in for Python 3.10-3.13 into requirements.lock (uv, needs PyPI)
	$(BIN)/python -m autograder.maintainers.lock --uv $(COURSE_UV)

$(UV_STAMP): | $(STAMP)
	test -x $(TOOLS)/bin/python || $(BIN)/python -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	touch $@

clean: ## remove the venv and generated scratch files (never submissions or gradebooks)
	rm -rf $(VENV) $(TOOLS) node_modules .pytest_cache tests/.artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
