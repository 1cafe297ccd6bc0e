# Casusregie: `make run` starts the whole product, `make test` runs the whole suite.
# Both install into .venv/ first. Without DATABASE_URL/REDIS_URL they use embedded
# PostgreSQL and Redis under ./.data/ (see config/embedded.py).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
SIZE ?= 100000
PYTEST_ARGS ?= -n 2

.PHONY: install run test lint format audit bench-sweep bench-pages bench-dashboard clean-data fuzz \
	chromium fault-redis-down fault-webhook-down fault-postgres-restart fault-worker-kill bench-scaleout bench-api

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(PY) -m config.embedded run

# The browser tests drive Debian's chromium, and the plan's PDF needs Pango and the DejaVu fonts:
# found, installed (as root, with apt-get), or make test stops at once with one line that says
# what to run (tests/e2e/chromium.sh).
chromium:
	@sh tests/e2e/chromium.sh

test: chromium $(STAMP)
	$(PY) -m config.embedded exec -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# bandit over our own code fails on a high-severity finding (settings: [tool.bandit] in
# pyproject.toml); pip-audit over the installed packages fails on a known vulnerability and says
# SKIPPED when its vulnerability service cannot be reached (AUDIT_REQUIRE_SERVICE=1: then fail).
AUDIT_CODE := config casusregie analyses plans referrals escalations flags dashboard worker dossier demo retention

audit: $(STAMP)
	$(VENV)/bin/bandit -c pyproject.toml -r $(AUDIT_CODE) --severity-level high -q
	@echo "bandit: no high-severity findings"
	$(PY) .ci/audit_dependencies.py

# The worker pages on the demo data, or at SIZE youths when SIZE is given on the command line;
# KEEP=1 reuses the population an earlier run built (make bench-pages SIZE=100000 KEEP=1).
bench-pages: $(STAMP)
	$(PY) -m config.embedded exec -- $(PY) -m tests.bench.pages \
		$(if $(filter command line,$(origin SIZE)),--size $(SIZE)) $(if $(KEEP),--keep)

bench-sweep: $(STAMP)
	$(PY) -m config.embedded exec -- $(PY) -m tests.bench.sweep --size $(SIZE)

# The dashboard at scale: 1,000,000 youths unless SIZE is given on the command line.
bench-dashboard: $(STAMP)
	$(PY) -m config.embedded exec -- $(PY) -m tests.bench.dashboard \
		$(if $(filter command line,$(origin SIZE)),--size $(SIZE))

# Reliability under load and faults (docs/reliability.md). Each target starts its own PostgreSQL,
# Redis, gunicorn and Celery on free ports in a temporary folder, stops them on exit, exits 0
# only when its verdict holds and prints a JSON line last. Not part of `make test`.
fuzz: $(STAMP)
	$(PY) -m reliability.fuzz

fault-redis-down: $(STAMP)
	$(PY) -m reliability.redis_down

fault-webhook-down: $(STAMP)
	$(PY) -m reliability.webhook_down

fault-postgres-restart: $(STAMP)
	$(PY) -m reliability.postgres_restart

fault-worker-kill: $(STAMP)
	$(PY) -m reliability.worker_kill

bench-scaleout: $(STAMP)
	$(PY) -m reliability.scaleout

bench-api: $(STAMP)
	$(PY) -m reliability.api_bench

clean-data:
	rm -rf .data
