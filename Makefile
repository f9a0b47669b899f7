# make demo  : compare bundled policy scenarios, test them over uncertain worlds (robust), and
#              allocate the example county (creates .venv if missing)
# make test  : run the test suite (creates .venv if missing)
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

# A Python >= 3.12: on PATH, or under pyenv (installed but not on PATH on our machine image).
FIND_PYTHON = for c in "$$PYTHON" python3.13 python3.12 python3 \
	  $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 \
	  /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  [ -n "$$c" ] && command -v "$$c" >/dev/null 2>&1 && \
	  "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && \
	  { command -v "$$c"; exit 0; }; done; exit 1

.PHONY: demo test venv lint bench clean fonts

$(BIN)/youwei: pyproject.toml
	@py=$$($(FIND_PYTHON)) || { echo "youwei needs Python >= 3.12: none found on PATH or under pyenv. Install one, or set PYTHON=/path/to/python3.12" >&2; exit 1; }; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV) && \
	$(BIN)/python -m pip install --quiet --upgrade pip && \
	$(BIN)/python -m pip install --quiet -e '.[test,cluster]'
	@touch $@

venv: $(BIN)/youwei

# A CJK font for the Chinese labels of report figures (fonts-wqy-microhei, 1.6 MB): installed
# when apt-get is there and we are root; best effort, never failing the build. Without one,
# figures keep English labels and the reports say how to get a font.
fonts:
	@if fc-list 2>/dev/null | grep -qiE 'wqy|noto sans cjk|source han sans'; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1)) \
	  || echo "could not install fonts-wqy-microhei: figures will use English labels"; \
	else echo "no CJK font found: figures will use English labels (install fonts-wqy-microhei)"; fi

demo: venv fonts
	$(BIN)/youwei compare baseline ordos zhangdian --replications 30 --years 15 --seed 1 \
	    --workers 2 --out results/demo/compare
	$(BIN)/youwei robust experiments/robust/specs/demo.toml --workers 2 --resume \
	    --out results/demo/robust
	$(BIN)/youwei allocate --candidates scenarios/examples/county/candidates.csv \
	    --posts scenarios/examples/county/posts.csv --pools scenarios/examples/county/pools.csv \
	    --rules scenarios/examples/county/rules.toml --fit scenarios/examples/county/fit.csv \
	    --teams scenarios/examples/county/teams.csv --lang zh --shortlist 3 --alternatives 2 \
	    --out results/demo/allocation

test: venv fonts
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python benchmarks/allocation.py

clean:
	rm -rf $(VENV) results .pytest_cache
