"""`python manage.py load_variation_demo [--seed N]`: invented variation data for the demo site.

Four metrics, 36 months, fifteen fictional acute trusts (ODS codes "ZZ..."), a few of which
improve after a change. Deterministic for a seed; running it again changes nothing. It goes
through the same importer as `import_metric_data`. Run it after `load_demo_content` to link the
metrics to the demo pathways, standards and guides (running it before works too; run it again
afterwards to add the links).
"""

from django.core.management.base import BaseCommand, CommandError

from kb.variation import demo
from kb.variation.importer import ImportRefused


class Command(BaseCommand):
    help = "Load invented variation data (metrics and values) for the demo site."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    def handle(self, *args, **options):
        try:
            result = demo.load(options["seed"])
        except ImportRefused as refusal:  # a bug in the demo generator, not the user's doing
            raise CommandError("\n".join(refusal.errors)) from None
        self.stdout.write(f"Variation demo: {result.summary()}")
