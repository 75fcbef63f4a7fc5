"""Measure series: `stored_chart`, what the page shows for a series, drawn when it is saved.

Existing series get theirs here. The drawing is the live code (kb.measurement.series.draw_chart)
on purpose, not a frozen copy: a stored chart is a copy of what the page would draw now, keyed
to what it was drawn from and to the drawing code's version, and a page draws any chart whose
key does not match. So this step only spares the first readers the drawing; should draw_chart
ever change its shape or go, it can become a no-op. Unapplying drops the field.
"""

from django.db import migrations, models

APP_LABEL, SERIES_MODEL = "ideas", "IdeaSeries"


def draw_stored_charts(apps, schema_editor):
    from kb.measurement.analysis import analyse
    from kb.measurement.series import draw_chart

    Series = apps.get_model(APP_LABEL, SERIES_MODEL)
    for series in Series.objects.all():
        result = analyse(series.points, series.direction, series.change_at, series.target)
        series.stored_chart = draw_chart(series, result)
        series.save(update_fields=["stored_chart"])


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0007_remove_series_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="ideaseries",
            name="stored_chart",
            field=models.JSONField(blank=True, default=dict, editable=False, serialize=False),
        ),
        migrations.RunPython(draw_stored_charts, migrations.RunPython.noop),
    ]
