# The two commands a new clone needs: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site bundle test check serve lint snapshots schemas bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/factsheet build

# The offline bundles for readers without network or web server: dist/factsheet-offline.zip, dist/factsheet.html.
bundle: $(STAMP)
	$(BIN)/factsheet bundle

check: $(STAMP)
	$(BIN)/factsheet check

serve: $(STAMP)
	$(BIN)/factsheet serve

test: $(STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/python -m pytest

# Rewrite the golden files after an intended change to templates or facts; review the diff.
snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/test_snapshots.py --update-snapshots

# Rewrite schema/*.json (editors' JSON Schemas) after a change to generator/model.py.
schemas: $(STAMP)
	$(BIN)/factsheet schema --write

# The benchmark (bench/): `make bench` runs 100, 1,000 and 10,000 facts (takes minutes), `make bench N=1000`
# one size. Writes bench/results.json and prints the table for docs/performance.md.
N ?= 100 1000 10000
bench: $(STAMP)
	$(BIN)/python -m bench.run --sizes $(N)

clean:
	rm -rf $(VENV) site dist .cache generated/*.md generated/*/
