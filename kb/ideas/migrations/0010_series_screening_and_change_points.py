"""Measure series: moving-range screening (a new field, off) and several change periods.

`change_at` may now hold several periods separated by ";", so it is longer. Existing series keep
their single period, which is still valid. Each series' stored analysis and chart are then
made again with the live code (as 0007 did for the charts), because the variation summary now
follows the Making Data Count icon (the latest point decides) and a point whose signals
disagree is now coloured as NHSRplotthedots 0.2.2 colours it: listings read the stored
analysis, so they would otherwise show the old judgement until each series was saved. Should
the analysis code ever change its shape, this step can become a no-op. Unapplying leaves them.
"""

from django.db import migrations, models

APP_LABEL, SERIES_MODEL = "ideas", "IdeaSeries"


def store_analyses_again(apps, schema_editor):
    from kb.measurement.analysis import analyse, summarise
    from kb.measurement.series import draw_chart

    Series = apps.get_model(APP_LABEL, SERIES_MODEL)
    for series in Series.objects.all():
        result = analyse(
            series.points,
            series.direction,
            series.change_at,
            series.target,
            screen_moving_ranges=series.screen_moving_ranges,
        )
        series.analysis = summarise(result, series.unit, series.change_at)
        series.stored_chart = draw_chart(series, result)
        series.save(update_fields=["analysis", "stored_chart"])


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0009_ideasubmission_submitted_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="ideaseries",
            name="screen_moving_ranges",
            field=models.BooleanField(
                default=False,
                help_text="Leave out moving ranges (the jumps between one point and the next) of 3.267 times their average or more before calculating the process limits, so a one-off jump does not widen them. Off by default, as in the Making Data Count tools; NHS-R's plot the dots screens by default. The chart says which was used.",
                verbose_name="screen out large moving ranges",
            ),
        ),
        migrations.AlterField(
            model_name="ideaseries",
            name="change_at",
            field=models.CharField(
                blank=True,
                help_text='The period of the first point after each change, exactly as in the data; separate several with a semicolon, in time order (for example "Apr 2024; Apr 2025"). Limits are recalculated from each one that leaves at least 12 points on both sides.',
                max_length=200,
                verbose_name="change made at",
            ),
        ),
        migrations.RunPython(store_analyses_again, migrations.RunPython.noop),
    ]
