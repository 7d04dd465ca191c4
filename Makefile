# The work is done by tools/devenv.py (standard library only); see README.md.
PYTHON ?= python3

.PHONY: run test lint bench clean

run:  ## serve Odoo 18 with the econtract addons and demo data on http://localhost:8069
	@$(PYTHON) tools/devenv.py run

test:  ## lint, pytest, Odoo tests and browser tours; ends with "N passed, N failed"
	@$(PYTHON) tools/devenv.py test

bench:  ## signing, evidence-log, archive and API benchmarks: p50/p95 beside bare pyHanko, openssl, AES-GCM, ILIKE, Odoo's cheapest route (wrk)
	@$(PYTHON) tools/devenv.py bench

lint:  ## ruff, prettier, pylint-odoo, mypy
	@$(PYTHON) tools/devenv.py lint

clean:  ## remove the virtualenv and the private database cluster (stops nothing else)
	rm -rf .venv .devenv
