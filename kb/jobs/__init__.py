"""Work that follows a change (indexing, emails, notifications, open-data files) and how it
is run: in the request that made the change, or by a worker off the request.

The queue is django-tasks' (KB_TASK_QUEUE, kb/core/shared_state.py). Callers say what is to be
done with a task (a function decorated with `django_tasks.task`, taking ids, not objects) and
one of:

- `defer(task, ...)`: with the embedded default (no worker) the function runs now, in the
  caller's transaction, exactly as before queues existed; with a queue it becomes a job.
- `defer_until_committed(task, ...)`: for work that must never happen for a change that is
  rolled back (sending an email). Without a queue it runs once the transaction commits.

With the database queue a job is a row written in the caller's transaction: it commits with the
change or not at all, so nothing is lost between the two and nothing runs for a change that did
not happen; the worker cannot see it before the commit. Any other queue gets the job once the
transaction has committed.
"""

from functools import partial

from django.db import transaction
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.immediate import ImmediateBackend

DATABASE_BACKEND = "django_tasks_db.backend.DatabaseBackend"


def _backend():
    return task_backends[DEFAULT_TASK_BACKEND_ALIAS]


def queued():
    """True when a worker runs deferred work; False for the embedded default."""
    return not isinstance(_backend(), ImmediateBackend)


def _in_database(backend):
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}" == DATABASE_BACKEND


def _enqueue(task, args, kwargs):
    if _in_database(_backend()):
        task.enqueue(*args, **kwargs)  # in the transaction: committed with the change
    else:
        transaction.on_commit(partial(task.enqueue, *args, **kwargs), robust=True)


def defer(task, *args, **kwargs):
    """Do `task` now (no queue) or make it a job (see the module docstring)."""
    if not queued():
        return task.call(*args, **kwargs)
    _enqueue(task, args, kwargs)
    return None


def defer_until_committed(task, *args, **kwargs):
    """Like `defer`, but without a queue the task runs once the caller's transaction has
    committed (at once outside one), and a failure is logged, never raised into the request
    whose change already committed."""
    if not queued():
        transaction.on_commit(partial(task.call, *args, **kwargs), robust=True)
        return
    _enqueue(task, args, kwargs)
