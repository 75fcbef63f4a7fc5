"""Measure series: drop the old text field `data`, now held as `points` (see 0006)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0006_series_points_from_text"),
    ]

    operations = [
        # A default first, so that unapplying this migration can add the column back to a
        # table that has rows (0005's reverse then fills it from the points).
        migrations.AlterField(
            model_name="ideaseries",
            name="data",
            field=models.TextField(default=""),
        ),
        migrations.RemoveField(
            model_name="ideaseries",
            name="data",
        ),
        migrations.AlterField(
            model_name="ideaseries",
            name="points",
            field=models.JSONField(
                help_text="One point a line: the period and the value, separated by a comma or a tab (paste two columns from a spreadsheet). For example: Jan 2025, 58. Fewer than 15 points are shown as a run chart.",
                verbose_name="data",
            ),
        ),
    ]
