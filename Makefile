# The two commands a newcomer types: `make demo` and `make test`.
# Each creates .venv if it is missing and installs the project into it.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint format bench install screenshots translations

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[edge,hub,postgres,lms,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/fieldcred demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -n auto --dist loadfile

# The guides' pictures: the journey test, writing its screenshots into docs/.
screenshots: $(STAMP)
	FIELDCRED_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/test_journey.py -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# The interface's words: extract the messages from the sources (babel.cfg) into a
# template, merge it into each language's catalogue, compile the .mo files the software
# reads. Translators (or Weblate/Crowdin) edit the .po files; commit .po and .mo together.
LOCALE := credentials/locale
translations: $(STAMP)
	PYTHONPATH=$(CURDIR) $(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output \
		--project fieldcred -o $(LOCALE)/fieldcred.pot .
	$(VENV)/bin/pybabel update -i $(LOCALE)/fieldcred.pot -d $(LOCALE) -D fieldcred \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(VENV)/bin/pybabel compile -d $(LOCALE) -D fieldcred --statistics
