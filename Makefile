# The two commands a newcomer needs:
#   make run   set up, load demo content and serve the site on http://127.0.0.1:8000
#   make test  set up and run the whole test suite (lint, unit, integration, browser)
PY := .venv/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test suite lint format clean

run:
	./scripts/bootstrap.sh run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_content
	$(PY) manage.py load_variation_demo
	$(PY) manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=1 $(PY) manage.py create_demo_admin
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST)

test:
	./scripts/bootstrap.sh test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports --no-cache
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py collectstatic --noinput -v0
	@echo "==> Test suite on SQLite"
	$(MAKE) --no-print-directory suite
	@echo "==> Test suite on PostgreSQL, with the caches, counters and sessions in Redis"
	@url=$$(./scripts/postgres.sh test) || { echo "PostgreSQL could not be started: its run is SKIPPED"; \
	  [ -z "$$CI" ] || exit 1; exit 0; }; \
	  redis=$$(./scripts/redis.sh) || { echo "Redis could not be started"; [ -z "$$CI" ] || exit 1; }; \
	  DATABASE_URL=$$url REDIS_URL=$$redis $(MAKE) --no-print-directory suite

# One full run on whatever DATABASE_URL points to. Browser tests run in their own session: a
# transactional test elsewhere empties the database when it ends, and the live server's demo
# site must outlive it. Each pytest-xdist worker has a database, live server and browser of
# its own.
suite:
	$(PY) -m pytest --ignore=tests/browser -n 2 $(PYTEST_ARGS)
	$(PY) -m pytest tests/browser -n 2 $(PYTEST_ARGS)

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports --no-cache

format:
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf var/static var/test_*.sqlite3* test-artifacts
