# The two commands a new clone needs: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

AXE := tests/a11y/node_modules/axe-core/axe.min.js

.PHONY: install site bundle test check serve lint snapshots schemas screenshots bench clean lock mutate typecheck

# Installs exactly the versions in uv.lock (the tested set); `uv` itself comes from PyPI into the venv.
# --locked refuses a lock that is stale against pyproject.toml: run `make lock` and commit uv.lock.
UV_VERSION := 0.13.8
UV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv
# --compile-bytecode: the packages' bytecode written at install, as pip does; without it, a process that may
# not write __pycache__ (PYTHONDONTWRITEBYTECODE) compiles ~500 modules on every start: 1-1.5 s of each
# `factsheet` command, a sixth of an incremental build at 10,000 facts.
SYNC := $(UV) sync --locked --inexact --compile-bytecode --extra test

$(BIN)/uv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock $(BIN)/uv
	$(SYNC)
	touch $(STAMP)

# Re-resolve on purpose: every package to the newest version the ranges in pyproject.toml allow
# (`make lock P=pyyaml` upgrades one package). Then run `make test` on the new set and commit uv.lock.
P ?=
lock: $(BIN)/uv
	$(UV) lock $(if $(P),--upgrade-package $(P),--upgrade)

install: $(STAMP)

site: $(STAMP)
	$(BIN)/factsheet build

# The offline bundles for readers without network or web server: dist/factsheet-offline.zip, dist/factsheet.html.
bundle: $(STAMP)
	$(BIN)/factsheet bundle

check: $(STAMP)
	$(BIN)/factsheet check

serve: $(STAMP)
	$(BIN)/factsheet serve

# axe-core for the accessibility test, pinned by tests/a11y/package-lock.json. Without npm the test
# skips on a laptop and fails in CI.
$(AXE): tests/a11y/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/a11y && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: the accessibility test cannot run"; fi

# The tests also build the generated pages with a second engine, Zensical (tests/test_generate.py): the
# zensical extra, which `make site` does not need.
TEST_STAMP := $(VENV)/.installed-test
$(TEST_STAMP): $(STAMP)
	$(SYNC) --extra zensical
	touch $(TEST_STAMP)

test: $(TEST_STAMP) $(AXE)
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

typecheck: $(STAMP)
	$(BIN)/mypy

# Mutation testing (docs/testing.md): mutmut changes the functions that keep the build's promises one small
# edit at a time and runs, for each change, the tests that reach that function ([tool.mutmut] in pyproject.toml
# lists the modules and tests). About an hour on 2 cores for the whole selection (docs/testing.md has each
# run's time); prints killed/survived per module and each survivor (`$(BIN)/mutmut show NAME` shows its
# change). `make mutate MUTATE='generator.checks.quotes.*'` runs another selection.
MUTATE := 'generator.checks.quotes.xǁFoldedǁ*' 'generator.checks.quotes.x_fold__mutmut_*' 'generator.checks.quotes.x_fold_text__mutmut_*' \
	'generator.checks.quotes.x_occurrences__mutmut_*' 'generator.checks.quotes.x_find__mutmut_*' \
	'generator.checks.quotes.x__trie_pattern__mutmut_*' 'generator.checks.quotes.x_occurrences_in__mutmut_*' \
	'generator.checks.fact_file.x__alias_checks__mutmut_*' 'generator.checks.fact_file.x_check_file__mutmut_*' \
	'generator.checks.validate.x__check_quotes__mutmut_*' \
	'generator.pages.render.x_md_text__mutmut_*' 'generator.pages.render.x__finalize__mutmut_*' \
	'generator.pages.render.x_anchor__mutmut_*' 'generator.pages.render.x_script_json__mutmut_*' \
	'generator.pages.render.x_front_matter__mutmut_*' 'generator.pages.render.x_read_back__mutmut_*' \
	'generator.pages.export.x__cell__mutmut_*' 'generator.pages.export.x__csv__mutmut_*' \
	'generator.pages.export.x__ics_*__mutmut_*' 'generator.pages.export.x__fold__mutmut_*' \
	'generator.commands.factdiff.x_md__mutmut_*' \
	'generator.site.publish.x__walk__mutmut_*' 'generator.site.publish.x__files_below__mutmut_*' \
	'generator.site.publish.x_refuse_link__mutmut_*' 'generator.site.publish.x_write_docs__mutmut_*' \
	'generator.site.publish.x_build_site__mutmut_*' 'generator.site.publish.x__leftovers__mutmut_*' \
	'generator.site.publish.x_recover__mutmut_*' 'generator.site.publish.x__real_folder__mutmut_*' \
	'generator.site.publish.x__exchange__mutmut_*' 'generator.site.publish.x__swap__mutmut_*' \
	'generator.site.incremental.xǁIndexTextǁ*' 'generator.site.incremental.xǁSearchEntriesǁ*' \
	'generator.site.incremental.x_relink_spare__mutmut_*' 'generator.site.incremental.x__take_spare__mutmut_*' \
	'generator.site.incremental.x__listing__mutmut_*' 'generator.site.incremental.x_folders_above__mutmut_*' \
	'generator.site.incremental.x_site_stamps__mutmut_*' 'generator.site.incremental.x_walk_entries__mutmut_*' \
	'generator.site.incremental.x_make_plugin__mutmut_*' \
	'generator.inputs.yamlsafe.*'
mutate: $(BIN)/uv
	$(UV) sync --locked --inexact --extra test --extra mutate
	rm -rf mutants
	start=$$(date +%s); $(BIN)/mutmut run $(MUTATE) && \
	$(BIN)/python -m tests.mutation_summary $$(( $$(date +%s) - start ))

# Rewrite the golden files after an intended change to templates or facts; review the diff.
snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/test_snapshots.py --update-snapshots

# One page of each kind at 1280 and 390 px wide, light and dark, into screenshots/.
screenshots: site
	$(BIN)/factsheet screenshots --dark --out screenshots

# Rewrite schema/*.json (editors' JSON Schemas) after a change to generator/model.py.
schemas: $(STAMP)
	$(BIN)/factsheet schema --write

# The benchmark (bench/): `make bench` runs 100, 1,000 and 10,000 facts (takes minutes), `make bench N=1000`
# one size. Installs the bench extra (Hugo, a baseline), writes bench/results.json and prints the tables for
# docs/performance.md.
N ?= 100 1000 10000
bench: $(STAMP)
	$(SYNC) --extra bench
	$(BIN)/python -m compileall -q generator  # the checkout's own modules too, as an installed wheel has them
	$(BIN)/python -m bench.run --sizes $(N)

clean:
	rm -rf $(VENV) site dist .cache screenshots generated/*.md generated/*/ tests/a11y/node_modules
