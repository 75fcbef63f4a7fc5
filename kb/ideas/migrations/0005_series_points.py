"""Measure series: add `points` (JSON [[period, value], ...]) and the stored `analysis`.

Filled from the old text field `data` by 0006, which 0007 then removes. `points` may be null
only until 0007.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0004_rendered_markdown"),
    ]

    operations = [
        migrations.AddField(
            model_name="ideaseries",
            name="points",
            field=models.JSONField(
                null=True,
                help_text="One point a line: the period and the value, separated by a comma or a tab (paste two columns from a spreadsheet). For example: Jan 2025, 58. Fewer than 15 points are shown as a run chart.",
                verbose_name="data",
            ),
        ),
        migrations.AddField(
            model_name="ideaseries",
            name="analysis",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
