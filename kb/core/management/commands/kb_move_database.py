"""python manage.py kb_move_database --to postgres://...: move the site to an empty PostgreSQL.

Copies every row of the current database (DATABASE_URL, usually the SQLite file) into the
target, ids and all, after migrating it; then rebuilds the search indexes there and compares
the two databases table by table. The step-by-step recipe: docs/moving-to-postgresql.md. The
copying itself: kb/core/database_move.py.
"""

import contextlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from kb.core import database_move as move


class Command(BaseCommand):
    help = (
        "Copy the whole site (pages, revisions, ideas, users, images and document records...) "
        "from the current database to an empty PostgreSQL database, then rebuild its search "
        "indexes and compare row counts. Media files are not in the database: copy MEDIA_ROOT."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            dest="target",
            required=True,
            metavar="DATABASE_URL",
            help="The target, for example postgres://kb:secret@db.internal:5432/kb.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace whatever the target already holds (users, pages, revisions...).",
        )
        parser.add_argument(
            "--strip-nul",
            action="store_true",
            help="Remove NUL (\\x00) characters, which PostgreSQL cannot store, from the text "
            "that has them (each row is listed) instead of stopping.",
        )
        parser.add_argument(
            "--no-reindex",
            action="store_true",
            help="Do not rebuild the search indexes on the target afterwards (run kb_reindex "
            "and wagtail_update_index there yourself).",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=2000,
            help="Rows read from the source at a time (default 2000).",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            self.move(options)
        except move.MoveError as error:
            raise CommandError(str(error)) from error
        finally:
            move.close_target()
        self.stdout.write(f"Finished in {time.monotonic() - started:.1f} s.")

    def move(self, options):
        verbosity = options["verbosity"]
        url = options["target"]
        config = move.parse_target(url)
        source = connections["default"]
        if move.same_database(source.settings_dict, config):
            raise move.MoveError(
                "The target is the database this site is running on (DATABASE_URL): give the "
                "new, empty PostgreSQL database."
            )
        if options["chunk_size"] < 1:
            raise move.MoveError("--chunk-size must be at least 1.")

        pending = move.pending_migrations(source)
        if pending:
            raise move.MoveError(
                "The source database is not up to date with the code ("
                + ", ".join(pending[:5])
                + (", ..." if len(pending) > 5 else "")
                + " not applied): run `manage.py migrate` on it first, then move it."
            )

        target = move.connect_target(config)
        found = move.content_in_target(target)
        if found and not options["force"]:
            raise move.MoveError(
                "The target already has content ("
                + ", ".join(found)
                + "). Give an empty database, or --force to replace everything in it."
            )
        if found:
            self.stdout.write(
                self.style.WARNING("Replacing the target's content: " + ", ".join(found))
            )

        self.stdout.write(
            f"Moving {self.describe(source.settings_dict)} to {self.describe(config)}."
        )
        move.close_target()  # the child process migrates it; reconnect afterwards
        with self.step("Migrating the target"):
            move.run_manage(["migrate", "--noinput", "-v", "0"], url)
        target = move.connect_target(config)

        log = self.stdout.write if verbosity >= 2 else None
        with self.step("Copying"):
            result = move.copy_database(
                source,
                target,
                chunk_size=options["chunk_size"],
                strip_nul=options["strip_nul"],
                log=log,
            )
        self.report(result, verbosity)
        if result.mismatches:
            raise move.MoveError(
                "Row counts differ for "
                + ", ".join(label for label, _, _ in result.mismatches)
                + ": nothing was kept in the target."
            )
        move.close_target()

        if options["no_reindex"]:
            self.stdout.write(
                self.style.WARNING(
                    "Search indexes not rebuilt: run `manage.py kb_reindex` and "
                    "`manage.py wagtail_update_index` with DATABASE_URL set to the target."
                )
            )
        else:
            for command in move.REBUILD_COMMANDS:
                with self.step(f"Rebuilding on the target: manage.py {' '.join(command)}"):
                    move.run_manage(command, url, stdout=self.stdout if verbosity >= 2 else None)

        self.stdout.write(
            self.style.SUCCESS(
                "The database is copied. Now copy the media folder as it is "
                f"({settings.MEDIA_ROOT}) to the new server's DJANGO_MEDIA_ROOT, and set "
                "DATABASE_URL to the target (docs/moving-to-postgresql.md)."
            )
        )

    @contextlib.contextmanager
    def step(self, what):
        self.stdout.write(f"{what}…")
        started = time.monotonic()
        yield
        self.stdout.write(f"  ({time.monotonic() - started:.1f} s)")

    def report(self, result, verbosity):
        width = max([len(label) for label, _, _ in result.counts] + [5])
        self.stdout.write(f"{'model'.ljust(width)}  {'source':>8}  {'target':>8}")
        for label, source_rows, target_rows in result.counts:
            if source_rows != target_rows:
                status = self.style.ERROR("  DIFFERENT")
            else:
                status = ""
                if verbosity < 2 and source_rows == 0:
                    continue
            self.stdout.write(f"{label.ljust(width)}  {source_rows:>8}  {target_rows:>8}{status}")
        total = sum(source_rows for _, source_rows, _ in result.counts)
        self.stdout.write(f"{len(result.counts)} tables, {total} rows compared.")
        for label, reason in result.skipped:
            self.stdout.write(f"Not copied: {label} ({reason}).")
        for problem in result.stripped:
            self.stdout.write(self.style.WARNING(f"NUL characters removed: {problem}"))

    @staticmethod
    def describe(config):
        engine = config.get("ENGINE", "").rsplit(".", 1)[-1]
        if engine == "sqlite3":
            return f"SQLite {config.get('NAME')}"
        host = config.get("HOST") or "localhost"
        port = f":{config['PORT']}" if config.get("PORT") else ""
        return f"PostgreSQL {config.get('NAME')} on {host}{port}"
