# Làng Số — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV_VERSION := 0.13.9

.PHONY: demo test install lint fmt messages clean serve worker

# The virtualenv is rebuilt whenever the locked dependencies change.
$(VENV)/.installed: pyproject.toml uv.lock
	@command -v $(PYTHON) >/dev/null || { echo "Cần Python 3.11 ($(PYTHON)). / Python 3.11 ($(PYTHON)) is required."; exit 1; }
	@scripts/system-deps python3-venv
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	# With the Spark extra (pyspark, for national runs): the test suite runs the rules on Spark too.
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --inexact --quiet --extra spark
	touch $@

install: $(VENV)/.installed
	@scripts/system-deps gettext espeak-ng opus-tools hunspell-vi
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

demo: install
	$(BIN)/langso migrate --no-input
	$(BIN)/langso collectstatic --no-input --verbosity 0
	$(BIN)/langso demo --province 96 --people 20000 --seed 1 --url http://127.0.0.1:$(PORT)
	$(BIN)/langso knowledge load
	PORT=$(PORT) $(BIN)/langso serve --with-worker

test: install
	scripts/test-all

lint: $(VENV)/.installed
	scripts/test-all --lint-only

fmt: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed
	$(BIN)/python scripts/messages.py update

clean:
	rm -rf $(VENV) var staticfiles
