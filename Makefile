# QI Desk developer commands. Quick start (fresh machine):
#   make demo   - set everything up and open the app on a demo database
#   make test   - set everything up and run ruff, mypy and the whole test suite
.PHONY: demo test setup system-deps gui-deps lint typecheck pytest screenshots bench installer clean

VENV := .venv
PY := $(VENV)/bin/python
DEMO_DB ?= demo.sqlite
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The first Python >= 3.12 we can find: on PATH, then pyenv's versions.
PYTHON312 := $(shell for p in python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null | sort -r) \
	python3.13 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
	  2>/dev/null && { command -v $$p; break; }; done)

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "QI Desk needs Python 3.12 or newer (python3.12 not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,build]"
	@touch $@

# System packages the tests use: LibreOffice for real spreadsheet round trips (as root only;
# otherwise those tests are skipped and say why).
system-deps:
	@if ! command -v soffice >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing LibreOffice Calc for the spreadsheet round-trip tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null; \
	fi

# Libraries Qt's X11 plugin (xcb) links to that a minimal Linux lacks (without them the window
# aborts with "Could not load the Qt platform plugin"): installed as root with apt-get,
# otherwise named so the user can install them.
QT_XCB_PACKAGES := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
	libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 \
	libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
gui-deps: setup
	@plugin=$$($(PY) -c 'import pathlib, PySide6; print(pathlib.Path(PySide6.__file__).parent / "Qt/plugins/platforms/libqxcb.so")'); \
	if [ "$$(uname -s)" = Linux ] && [ -z "$$QT_QPA_PLATFORM" ] && [ -f "$$plugin" ] \
	  && ldd "$$plugin" | grep -q "not found"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing the X11 libraries Qt needs to show the window"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(QT_XCB_PACKAGES) >/dev/null; \
	  else \
	    echo "QI Desk's window needs system libraries this machine lacks:"; \
	    ldd "$$plugin" | grep "not found" | sort -u; \
	    echo "On Debian or Ubuntu: sudo apt-get install $(QT_XCB_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

demo: setup gui-deps
	@test -s $(DEMO_DB) || $(VENV)/bin/qidesk demo --db $(DEMO_DB)
	$(VENV)/bin/qidesk --db $(DEMO_DB)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

test: setup system-deps lint typecheck pytest

screenshots: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m qidesk.tools.screenshots screenshots-out

installer: setup
	$(PY) installer/build.py

bench: setup
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf $(VENV) build dist installer/build installer/dist .pytest_cache .ruff_cache .mypy_cache
