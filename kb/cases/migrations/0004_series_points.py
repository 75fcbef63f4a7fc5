"""Measure series: add `points` (JSON [[period, value], ...]) and the stored `analysis`.

Filled from the old text field `data` by 0005, which 0006 then removes. `points` may be null
only until 0006.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_rendered_markdown"),
    ]

    operations = [
        migrations.AddField(
            model_name="casestudyseries",
            name="points",
            field=models.JSONField(
                null=True,
                help_text="One point a line: the period and the value, separated by a comma or a tab (paste two columns from a spreadsheet). For example: Jan 2025, 58. Fewer than 15 points are shown as a run chart.",
                verbose_name="data",
            ),
        ),
        migrations.AddField(
            model_name="casestudyseries",
            name="analysis",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
