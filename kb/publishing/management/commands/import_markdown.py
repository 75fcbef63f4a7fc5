"""python manage.py import_markdown [--publish] [--progress] PATH...: Markdown files to pages."""

import time

from django.core.management.base import BaseCommand, CommandError

from kb.publishing.markdown_import import BATCH_SIZE, Helpers, import_paths

STAGES = {"reading": "Reading", "importing": "Importing"}


class Command(BaseCommand):
    help = (
        "Import Markdown files (or folders of them) with YAML front matter as guidance and case "
        "study pages. Drafts unless --publish. See docs/markdown-import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--publish", action="store_true", help="Publish the pages instead of saving drafts."
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Show a progress bar on stderr (files done, documents a second, time left) and "
            "the overall rate at the end.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            metavar="N",
            help=f"Files written in one transaction (each file has its own savepoint, so a bad "
            f"file still fails alone). Default {BATCH_SIZE}; 1 is a transaction per file.",
        )
        parser.add_argument(
            "--helpers",
            type=int,
            default=None,
            metavar="N",
            help=f"Processes that parse the files and render their Markdown while this one "
            f"writes. Default: one a core when the machine has several and there are "
            f"{Helpers.MIN_FILES} files or more; 0 for none.",
        )

    def handle(
        self,
        *args,
        paths,
        publish=False,
        progress=False,
        batch_size=BATCH_SIZE,
        helpers=None,
        **options,
    ):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more")
        if helpers is not None and helpers < 0:
            raise CommandError("--helpers must be 0 or more")
        verbosity = options["verbosity"]
        # tqdm draws with carriage returns: give it the stream itself, not Django's wrapper
        # (which ends every write with a newline).
        bars = ProgressBars(getattr(self.stderr, "_out", self.stderr)) if progress else None

        def report(outcome, item):
            if outcome == "failed":
                message = self.style.ERROR(f"FAILED {item}")
                if bars:
                    bars.write(message)
                else:
                    self.stderr.write(message)
            elif verbosity >= 1 and not bars:
                self.stdout.write(f"{outcome:9} {item.content_kind:17} {item.slug}")

        started = time.monotonic()
        try:
            result = import_paths(
                paths,
                publish=publish,
                on_result=report,
                batch_size=batch_size,
                helpers=helpers,
                progress=bars,
                keep_pages=False,  # reported as they come; only counted at the end
            )
        finally:
            if bars:
                bars.close()
        elapsed = time.monotonic() - started
        written = len(result.created) + len(result.updated) + len(result.unchanged)
        summary = (
            f"{len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.failed)} failed"
            f" ({'published' if publish else 'saved as drafts'})"
        )
        if progress:
            rate = (written + len(result.failed)) / elapsed if elapsed else 0
            self.stderr.write(f"{written + len(result.failed)} files in {elapsed:.1f} s: "
                              f"{rate:.1f} documents a second")  # fmt: skip
        if result.failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))


class ProgressBars:
    """One tqdm bar a stage, on the command's stderr: files done, documents a second and time
    left. `import_paths` calls it as progress(stage, done, total)."""

    def __init__(self, stream):
        self.stream = stream
        self.bar = None
        self.stage = None

    def __call__(self, stage, done, total):
        from tqdm import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(
                total=total,
                desc=STAGES.get(stage, stage),
                unit=" docs",
                file=self.stream,
                mininterval=0.5,
                smoothing=0.1,
                dynamic_ncols=True,
            )
        self.bar.update(done - self.bar.n)

    def write(self, message):
        from tqdm import tqdm

        if self.bar is not None:
            tqdm.write(message, file=self.stream)
        else:
            self.stream.write(message)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
