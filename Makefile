# forestchief: the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=180
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# WeasyPrint (notices and minutes as PDF) needs Pango and the Noto CJK fonts to run.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
TEST_DEBS := chromium postgresql

# $(call apt-ensure,packages): install the Debian packages that are missing, if any.
define apt-ensure
@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then \
  echo "installing:$$missing"; \
  $(SUDO) $(APT) update -q && $(SUDO) $(APT) install -y -q $$missing; \
fi
endef

.PHONY: run test install system-deps assets catalogs test-deps test-sqlite test-postgres e2e lint bench clean

## run: install, migrate, sync departments and villages, create demo data (first time), serve on :5000
run: install
	$(BIN)/forestchief db upgrade
	$(BIN)/forestchief departments sync
	$(BIN)/forestchief villages sync
	$(BIN)/forestchief meetings sync
	$(BIN)/forestchief campaigns templates
	$(BIN)/forestchief demo --if-empty
	$(BIN)/forestchief serve --host $(HOST) --port $(PORT)

## test: the whole suite on SQLite, then again on a throw-away PostgreSQL cluster
test: install test-deps
	$(BIN)/ruff check .
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

install: system-deps $(VENV)/.installed assets catalogs

system-deps:
	$(call apt-ensure,$(RUN_DEBS))

$(VENV)/.installed: setup.cfg pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { echo "installing python3-venv"; $(SUDO) $(APT) install -y -q python3-venv; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

assets: core/static/vendor/.installed

core/static/vendor/.installed: package.json package-lock.json scripts/copy-assets.sh
	npm ci --no-audit --no-fund --loglevel=error
	bash scripts/copy-assets.sh
	touch $@

catalogs: $(VENV)/.installed
	$(BIN)/pybabel compile -d core/translations

test-deps:
	$(call apt-ensure,$(TEST_DEBS))

test-sqlite:
	$(BIN)/pytest -p no:cacheprovider

test-postgres:
	bash scripts/with-postgres.sh $(BIN)/pytest -p no:cacheprovider

e2e: install test-deps
	$(BIN)/pytest tests/e2e

lint:
	$(BIN)/ruff check .

## translations: re-extract messages after changing UI text, then edit the .po file
translations:
	$(BIN)/pybabel extract -F babel.cfg -k _l --project forestchief --version 0.1.0 -o core/translations/messages.pot .
	$(BIN)/pybabel update -i core/translations/messages.pot -d core/translations --no-fuzzy-matching

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules core/static/vendor test-artifacts
