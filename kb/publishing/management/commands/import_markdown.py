"""python manage.py import_markdown [--publish] PATH...: Markdown files to pages."""

from django.core.management.base import BaseCommand, CommandError

from kb.publishing.markdown_import import import_paths


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

    def handle(self, *args, paths, publish=False, **options):
        verbosity = options["verbosity"]

        def report(outcome, item):
            if outcome == "failed":
                self.stderr.write(self.style.ERROR(f"FAILED {item}"))
            elif verbosity >= 1:
                self.stdout.write(f"{outcome:9} {item.content_kind:17} {item.slug}")

        result = import_paths(paths, publish=publish, on_result=report)
        summary = (
            f"{len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.failed)} failed"
            f" ({'published' if publish else 'saved as drafts'})"
        )
        if result.failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
