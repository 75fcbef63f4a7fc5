"""Content that consecutive tests share, built once instead of once per test.

Loading the demo site or building the search corpus costs a second or more; hundreds of tests
read them. A loader registered here with `@shared(name)` builds the content for the fixture
`name`. Before the first of a run of tests asking for that fixture, the loader runs inside a
transaction of its own (an outer atomic block); each test's own transaction is a savepoint in
it, rolled back as usual, so every test starts from the same content. Before the first test that
needs other content, none, or a transactional database, the outer transaction is rolled back
and the database is as it was. tests/conftest.py runs such tests one after another and sets the
content up before any other fixture of the test.

A test that cannot share (a transactional one, or one in a module that has not opted in to a
loader registered with `opt_in=True`) gets the content built in its own transaction, as before.
"""

LOADERS = {}  # fixture name -> (build function, names of the fixtures its content provides)
OPT_IN = set()  # loaders a module shares only when it lists them in its SHARED_CONTENT


def shared(name, provides=(), opt_in=False):
    def register(build):
        LOADERS[name] = (build, frozenset({name, *provides}))
        if opt_in:
            OPT_IN.add(name)
        return build

    return register


class SharedContent:
    def __init__(self):
        self.name = None
        self.value = None
        self.atomic = None

    def provides(self, name):
        """Whether the open shared content includes the fixture `name`'s."""
        return self.name is not None and name in LOADERS[self.name][1]

    def value_of(self, name):
        """What the loader for `name` returned: shared, or built now in the test's transaction."""
        if self.name == name:
            return self.value
        return LOADERS[name][0]()

    def open(self, name, blocker):
        from django.db import transaction

        with blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            # The tests' own atomic blocks nest in this one, as in TestCase's class-wide one.
            self.atomic._from_testcase = True
            try:
                self.value = LOADERS[name][0]()
            except BaseException:
                self.close(blocker)
                raise
        self.name = name

    def close(self, blocker):
        if self.atomic is None:
            return
        from django.db import transaction

        with blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic, self.name, self.value = None, None, None


current = SharedContent()


def shared_name(item):
    """The shared content this test joins, or None."""
    names = set(getattr(item, "fixturenames", ()))
    if not names & set(LOADERS) or names & {"transactional_db", "live_server"}:
        return None
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return None
    opted_in = set(getattr(getattr(item, "module", None), "SHARED_CONTENT", ()))
    candidates = [
        name for name in LOADERS if name in names and (name not in OPT_IN or name in opted_in)
    ]
    # The loader that provides the most of what the test asks for (variation_demo over
    # demo_content).
    return max(candidates, key=lambda name: len(LOADERS[name][1] & names), default=None)
