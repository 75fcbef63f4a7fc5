"""Copy a whole site from its database to an empty PostgreSQL one (`manage.py kb_move_database`).

Knows no app: it walks every installed model through django.apps, reads each model's own table
(local columns only, so multi-table page models copy table by table, as loaddata's raw saves
do) and writes the rows with their primary keys unchanged. docs/moving-to-postgresql.md.

Why keep every id rather than match rows by natural keys (dumpdata --natural-foreign
--natural-primary): content type and permission ids differ between two databases migrated in a
different order, and some of them are stored where no foreign key can be followed: a page
revision's JSON keeps its page's `content_type` id, log entries and the reference index keep
content type ids and object ids as plain values. Natural keys would rewrite the foreign keys and
leave those stale. So the target is migrated (for its schema: the tables, the tsvector column,
the sequences), every row the migrations put there (content types, permissions, groups, the
Wagtail root page and default site, vocabularies, synonyms) is removed, and the source's rows go
in exactly as they were. The target is then the same site, id for id.

Rows are read in chunks from one consistent snapshot of the source and inserted in batches into
one transaction on the target: a failure anywhere leaves the target as migrate left it. Foreign
keys are checked at commit (Django declares them DEFERRABLE INITIALLY DEFERRED), so the order of
the tables matters only for reading the log; it follows the dependencies all the same.
"""

import os
import subprocess
import sys
from dataclasses import dataclass, field

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, transaction
from django.db.models.expressions import Col

TARGET_ALIAS = "kb_move_target"

# Models whose rows are not copied, by app label or "app_label.model_name", and why. Derived data
# is rebuilt on the target; the rest is short-lived and costs nobody anything to lose.
SKIPPED = {
    "kbsearch.searchdocument": "the site's search index: rebuilt by kb_reindex",
    "kbsearch.indexchange": "the search index's change log: restarted by kb_reindex",
    "wagtailsearch": "Wagtail's search index (its columns differ by database): rebuilt by "
    "wagtail_update_index",
    "sessions": "sign-in sessions: people sign in again",
    "axes": "sign-in attempt logs and lockouts",
}

# A target holding any of these rows is somebody's site, not a freshly created database.
CONTENT_MARKERS = [
    settings.AUTH_USER_MODEL,
    "wagtailcore.revision",
    "wagtailcore.pagelogentry",
    "wagtailimages.image",
    "wagtaildocs.document",
]

# The commands that rebuild what is not copied, run against the target afterwards.
REBUILD_COMMANDS = [["kb_reindex"], ["wagtail_update_index"]]


class MoveError(Exception):
    """Something the operator must fix; the message says what."""


@dataclass
class RowProblem:
    model: str
    pk: object
    field: str
    reason: str

    def __str__(self):
        where = f"{self.model} pk={self.pk!r}"
        return (
            f"{where}, field {self.field}: {self.reason}"
            if self.field
            else f"{where}: {self.reason}"
        )


@dataclass
class MoveResult:
    counts: list = field(default_factory=list)  # (label, source rows, target rows)
    skipped: list = field(default_factory=list)  # (label, reason)
    stripped: list = field(default_factory=list)  # RowProblem: NUL characters removed

    @property
    def mismatches(self):
        return [row for row in self.counts if row[1] != row[2]]


# --- The target -----------------------------------------------------------------------------


def parse_target(url):
    """The target's DATABASES entry, or MoveError saying what is wrong with the URL."""
    url = (url or "").strip()
    if not url:
        raise MoveError("Give the target as --to postgres://USER:PASSWORD@HOST:PORT/NAME.")
    try:
        config = dj_database_url.parse(url)
    except Exception as error:  # the library raises several kinds for a malformed URL
        raise MoveError(f"The target URL is not a database URL ({error}).") from error
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise MoveError(
            "The target must be a PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/NAME); "
            f"this URL names {config.get('ENGINE') or 'no database engine'}."
        )
    if not config.get("NAME"):
        raise MoveError("The target URL names no database (postgres://...@HOST:PORT/NAME).")
    config["CONN_MAX_AGE"] = 0
    return config


def _identity(config):
    """What makes two DATABASES entries the same database."""
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        return (engine, os.path.realpath(str(config.get("NAME", ""))))
    host = str(config.get("HOST") or "localhost")
    if host in {"127.0.0.1", "::1", "localhost"} or host.startswith("/"):
        host = "localhost"
    return (engine, host, str(config.get("PORT") or "5432"), str(config.get("NAME")))


def same_database(source_config, target_config):
    return _identity(source_config) == _identity(target_config)


def connect_target(config, alias=TARGET_ALIAS):
    """Add the target as a second database alias for this process and connect to it."""
    close_target(alias)
    # configure_settings fills in the defaults Django gives every entry; it wants a "default".
    configured = connections.configure_settings(
        {"default": {"ENGINE": "django.db.backends.dummy"}, alias: dict(config)}
    )
    connections.settings[alias] = configured[alias]
    connection = connections[alias]
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        close_target(alias)
        raise MoveError(f"Cannot connect to the target database: {error}".strip()) from error
    return connection


def close_target(alias=TARGET_ALIAS):
    """Close the alias's connection, if open, and forget the alias."""
    if alias not in connections.settings:
        return
    for connection in connections.all(initialized_only=True):
        if connection.alias == alias:
            connection.close()
            del connections[alias]
    del connections.settings[alias]


def _model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def content_in_target(connection):
    """Descriptions of the content rows already in the target (empty when it is fresh)."""
    tables = set(connection.introspection.table_names())
    found = []
    with connection.cursor() as cursor:
        for label in CONTENT_MARKERS:
            model = _model(label)
            if model is None or model._meta.db_table not in tables:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (a quoted table name)
            count = cursor.fetchone()[0]
            if count:
                found.append(f"{count} {model._meta.verbose_name_plural}")
    return found


def pending_migrations(connection):
    """Migrations not yet applied to a database ("app.name"), in the order migrate runs them."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def run_manage(arguments, database_url, stdout=None):
    """Run `manage.py <arguments>` in a child process whose DATABASE_URL is the target.

    The child has the target as its `default` database. Data migrations that create rows with
    the default manager (several here do, as most projects' do) would otherwise write them into
    the source.
    """
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    env.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
    paths = [path or os.getcwd() for path in sys.path]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    completed = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "django", *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = (completed.stdout + completed.stderr).strip()
    if stdout is not None and output:
        stdout.write(output)
    if completed.returncode != 0:
        raise MoveError(
            f"`manage.py {' '.join(arguments)}` failed on the target "
            f"(exit status {completed.returncode}):\n{output}"
        )
    return output


# --- What to copy ---------------------------------------------------------------------------


def skip_reason(model):
    opts = model._meta
    return SKIPPED.get(opts.label_lower) or SKIPPED.get(opts.app_label)


def copied_models():
    """(models to copy in dependency order, [(label, reason)] for the models left behind)."""
    candidates, skipped = [], []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        reason = skip_reason(model)
        if reason:
            skipped.append((opts.label, reason))
        else:
            candidates.append(model)
    return _dependency_order(candidates), skipped


def _dependency_order(candidates):
    """Models after the models their foreign keys point to (cycles broken where found)."""
    wanted = set(candidates)
    ordered, done, visiting = [], set(), set()

    def visit(model):
        if model in done or model in visiting:
            return
        visiting.add(model)
        for model_field in model._meta.local_concrete_fields:
            related = model_field.related_model
            if related is not None:
                related = related._meta.concrete_model
                if related in wanted and related is not model:
                    visit(related)
        visiting.discard(model)
        done.add(model)
        ordered.append(model)

    for model in candidates:
        visit(model)
    return ordered


# --- Copying --------------------------------------------------------------------------------


class _Column:
    """One column of one table: how to read it from the source and write it to the target.

    JSON columns (JSONField, Wagtail's StreamField) travel as plain JSON: read and written by a
    bare JSONField, so a StreamField's blocks are never rebuilt (which would, for one, give any
    block without an id a new random one) and each value arrives exactly as it was stored.
    """

    def __init__(self, model_field, table, source):
        self.field = model_field
        self.name = model_field.attname
        self.column = model_field.column
        if model_field.get_internal_type() == "JSONField":
            self.writer = models.JSONField()
            expression = Col(table, self.writer)
        else:
            self.writer = model_field
            expression = model_field.get_col(table)
        self.expression = expression
        self.converters = source.ops.get_db_converters(expression) + (
            expression.get_db_converters(source)
        )

    def read(self, value, source):
        for converter in self.converters:
            value = converter(value, self.expression, source)
        return value

    def prepare(self, value, target):
        return self.writer.get_db_prep_save(value, connection=target)


def _has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


def _strip_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(key): _strip_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip_nul(item) for item in value]
    return value


class _TableCopier:
    def __init__(self, model, source, target, chunk_size, strip_nul, result, problems):
        self.model = model
        self.label = model._meta.label
        self.table = model._meta.db_table
        self.source = source
        self.target = target
        self.chunk_size = chunk_size
        self.strip_nul = strip_nul
        self.result = result
        self.problems = problems
        fields = model._meta.local_concrete_fields
        self.columns = [_Column(f, self.table, source) for f in fields]
        self.pk_index = next(i for i, f in enumerate(fields) if f.primary_key)
        # PostgreSQL takes at most 65535 parameters a statement.
        self.batch_size = max(1, min(chunk_size, 60000 // len(self.columns)))
        self.nul_checked = target.vendor == "postgresql"

    def copy(self):
        quote = self.source.ops.quote_name
        select = "SELECT {} FROM {} ORDER BY {}".format(  # noqa: S608 (quoted identifiers)
            ", ".join(quote(column.column) for column in self.columns),
            quote(self.table),
            quote(self.model._meta.pk.column),
        )
        copied = 0
        with self.source.chunked_cursor() as cursor:
            cursor.execute(select)
            while True:
                raw_rows = cursor.fetchmany(self.chunk_size)
                if not raw_rows:
                    break
                rows = [self._read(raw) for raw in raw_rows]
                rows = [row for row in rows if row is not None]
                for start in range(0, len(rows), self.batch_size):
                    copied += self._insert(rows[start : start + self.batch_size])
        return copied

    def _read(self, raw):
        row = [
            column.read(value, self.source) for column, value in zip(self.columns, raw, strict=True)
        ]
        if not self.nul_checked:
            return row
        clean = True
        for index, (column, value) in enumerate(zip(self.columns, row, strict=True)):
            if _has_nul(value):
                problem = RowProblem(
                    self.label,
                    row[self.pk_index],
                    column.name,
                    "contains NUL (\\x00) characters, which PostgreSQL cannot store in text",
                )
                if self.strip_nul:
                    row[index] = _strip_nul(value)
                    self.result.stripped.append(problem)
                else:
                    self.problems.append(problem)
                    clean = False
        return row if clean else None

    def _statement(self, count):
        quote = self.target.ops.quote_name
        placeholders = "({})".format(", ".join(["%s"] * len(self.columns)))
        return "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608 (quoted identifiers)
            quote(self.table),
            ", ".join(quote(column.column) for column in self.columns),
            ", ".join([placeholders] * count),
        )

    def _params(self, rows):
        params = []
        for row in rows:
            params.extend(
                column.prepare(value, self.target)
                for column, value in zip(self.columns, row, strict=True)
            )
        return params

    def _insert(self, rows):
        """Insert a batch; when the database refuses it, find and report the rows it refuses."""
        try:
            with transaction.atomic(using=self.target.alias), self.target.cursor() as cursor:
                cursor.execute(self._statement(len(rows)), self._params(rows))
            return len(rows)
        except (DatabaseError, ValueError):
            pass
        inserted = 0
        for row in rows:
            try:
                with transaction.atomic(using=self.target.alias), self.target.cursor() as cursor:
                    cursor.execute(self._statement(1), self._params([row]))
                inserted += 1
            except (DatabaseError, ValueError) as error:
                message = " ".join(str(error).split())
                self.problems.append(RowProblem(self.label, row[self.pk_index], "", message))
        return inserted


def _count(connection, model):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (a quoted table name)
        return cursor.fetchone()[0]


def copy_database(source, target, *, chunk_size=2000, strip_nul=False, log=None):
    """Empty the migrated target's tables and copy every copied model's rows into it.

    All in one transaction on the target: MoveError (and nothing kept) when any row is refused,
    when a foreign key points nowhere, or when a table's count differs between the two.
    """
    log = log or (lambda message: None)
    result = MoveResult()
    ordered, result.skipped = copied_models()
    problems = []

    target_tables = set(target.introspection.table_names())
    every_model = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]
    missing = [m._meta.label for m in ordered if m._meta.db_table not in target_tables]
    if missing:
        raise MoveError(
            "The target has no table for "
            + ", ".join(missing)
            + ": did its migrate run to the end?"
        )

    if source.vendor == "sqlite":
        # Rows whose foreign keys point nowhere (SQLite lets them in when the check was off).
        try:
            source.check_constraints()
        except DatabaseError as error:
            raise MoveError(f"The source database has broken foreign keys: {error}") from error

    with transaction.atomic(using=source.alias), transaction.atomic(using=target.alias):
        tables = sorted(
            {m._meta.db_table for m in every_model if m._meta.db_table in target_tables}
        )
        with target.cursor() as cursor:
            for statement in target.ops.sql_flush(
                no_style(), tables, reset_sequences=False, allow_cascade=True
            ):
                cursor.execute(statement)
        for model in ordered:
            copier = _TableCopier(model, source, target, chunk_size, strip_nul, result, problems)
            copied = copier.copy()
            log(f"  {model._meta.label}: {copied} rows")
        if problems:
            shown = "\n".join(f"  {problem}" for problem in problems[:50])
            more = f"\n  ...and {len(problems) - 50} more" if len(problems) > 50 else ""
            raise MoveError(
                f"PostgreSQL cannot take {len(problems)} of the values, so nothing was copied "
                f"(the target keeps none of it):\n{shown}{more}\nCorrect these rows in the "
                "source (or, for NUL characters only, run again with --strip-nul) and run the "
                "command again."
            )
        try:
            target.check_constraints()
        except DatabaseError as error:
            message = " ".join(str(error).split())
            raise MoveError(
                f"A copied row refers to a row that does not exist: {message}"
            ) from error
        with target.cursor() as cursor:
            in_target = [m for m in every_model if m._meta.db_table in target_tables]
            for statement in target.ops.sequence_reset_sql(no_style(), in_target):
                cursor.execute(statement)
        for model in ordered:
            result.counts.append((model._meta.label, _count(source, model), _count(target, model)))
        if result.mismatches:
            # Leave nothing half-right behind: the caller reports the table and exits non-zero.
            transaction.set_rollback(True, using=target.alias)
    return result
