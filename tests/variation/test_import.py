"""The variation data import: every refusal, whole-or-nothing, re-loading, and what it stores."""

import io

import pytest
from django.core.management import CommandError, call_command

from kb.core.page_cache import current_token
from kb.taxonomy.models import Organisation, Region
from kb.variation.importer import COLUMNS, ImportRefused, import_csv
from kb.variation.models import Metric, MetricValue

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
NHS_NUMBER = "9434765919"  # a valid check digit (the guard's own test number)


def row(
    metric="ed-four-hour",
    name="A&E within 4 hours",
    data_type="proportion",
    direction="higher",
    ods="ZZA01",
    organisation="Northshire Hospitals",
    period="2025-04",
    numerator="70",
    denominator="100",
):
    cells = [metric, name, data_type, direction, ods, organisation, period, numerator, denominator]
    return ",".join(_quoted(c) for c in cells)


def _quoted(cell):
    if any(ch in cell for ch in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_of(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def load(text, name="data.csv", **kwargs):
    return import_csv(text.encode("utf-8") if isinstance(text, str) else text, name, **kwargs)


def refused(text, name="data.csv"):
    with pytest.raises(ImportRefused) as caught:
        load(text, name)
    assert MetricValue.objects.count() == 0 or caught.value.errors
    return caught.value.errors


def only_error(text):
    errors = refused(text)
    assert len(errors) == 1, errors
    return errors[0]


# --- what a good file does ------------------------------------------------------------------


def test_a_good_file_creates_metric_organisations_and_values():
    result = load(
        csv_of(
            row(),
            row(ods="ZZA02", organisation="Eastmere Hospitals", numerator="50"),
            row(period="2025-05", numerator="75"),
        )
    )
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    metric = Metric.objects.get(slug="ed-four-hour")
    assert (metric.name, metric.data_type, metric.direction, metric.unit) == (
        "A&E within 4 hours",
        "proportion",
        "higher",
        "%",
    )
    assert metric.period_kind == "month"
    org = Organisation.objects.get(ods_code="ZZA01")
    assert org.name == "Northshire Hospitals" and org.kind == "other"
    value = MetricValue.objects.get(organisation=org, period="2025-05")
    assert (value.numerator, value.denominator, value.period_kind) == (75, 100, "month")
    assert value.period_start.isoformat() == "2025-05-01"


def test_reloading_the_same_rows_changes_nothing_and_says_so():
    text = csv_of(row(), row(period="2025-05"))
    load(text)
    ids = sorted(MetricValue.objects.values_list("id", flat=True))
    token = current_token()
    again = load(text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert sorted(MetricValue.objects.values_list("id", flat=True)) == ids
    assert Organisation.objects.count() == 1 and Metric.objects.count() == 1
    # Nothing changed, so the page cache is left alone.
    assert current_token() == token


def test_a_changed_value_is_updated_in_place_and_the_cache_purged_once():
    load(csv_of(row(), row(period="2025-05")))
    before = MetricValue.objects.get(period="2025-05").pk
    token = current_token()
    result = load(csv_of(row(), row(period="2025-05", numerator="80")))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    value = MetricValue.objects.get(period="2025-05")
    assert value.pk == before and value.numerator == 80
    assert current_token() != token


def test_periods_are_normalised_and_ordered():
    load(
        csv_of(
            row(period="2025-4"),
            row(metric="q", name="Quarterly", period="2024-q4"),
            row(metric="y", name="Yearly", period=" 2023 "),
        )
    )
    assert set(MetricValue.objects.values_list("period", "period_kind")) == {
        ("2025-04", "month"),
        ("2024-Q4", "quarter"),
        ("2023", "year"),
    }
    assert str(MetricValue.objects.get(period="2024-Q4").period_start) == "2024-10-01"


def test_columns_may_come_in_any_order_with_a_bom_and_crlf():
    header = ",".join(reversed(COLUMNS)).upper()
    line = ",".join(reversed(row().split(",")))
    result = load(("\ufeff" + header + "\r\n" + line + "\r\n\r\n").encode("utf-8"))
    assert result.created == 1
    assert MetricValue.objects.get().numerator == 70


def test_hostile_text_is_stored_verbatim():
    names = [
        "<script>alert('x')</script> Trust",
        "Robert'); DROP TABLE variation_metricvalue;-- Trust",
        "Ysbyty Gwynedd — ❤️ 東京 \u202eevil",
        '"Quoted, with comma" & <b>bold</b>',
    ]
    rows = [row(ods=f"ZZH0{i}", organisation=name) for i, name in enumerate(names)]
    rows.append(row(metric="m2", name="{{ 7*7 }} {% now 'Y' %} ${jndi:x}", ods="ZZH00"))
    rows[-1] = row(
        metric="m2", name="{{ 7*7 }} {% now 'Y' %} ${jndi:x}", ods="ZZH00", organisation=names[0]
    )
    load(csv_of(*rows))
    assert sorted(Organisation.objects.values_list("name", flat=True)) == sorted(names)
    assert Metric.objects.get(slug="m2").name == "{{ 7*7 }} {% now 'Y' %} ${jndi:x}"
    assert MetricValue.objects.count() == 5


def test_zero_over_zero_is_stored():
    load(csv_of(row(numerator="0", denominator="0")))
    assert MetricValue.objects.get().denominator == 0


def test_a_standardised_ratio_may_exceed_its_expected_count():
    load(csv_of(row(metric="shmi", name="SHMI", data_type="standardised-ratio",
                    direction="lower", numerator="120", denominator="99.5")))  # fmt: skip
    assert MetricValue.objects.get().denominator == 99.5


# --- refusals: the file ------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert only_error("") == "data.csv: the file is empty"
    assert only_error("\n\n  \n") == "data.csv: the file is empty"


def test_a_header_only_is_refused():
    assert only_error(HEADER + "\n") == "data.csv: the file has a header but no data rows"


def test_a_missing_column_is_refused():
    header = ",".join(c for c in COLUMNS if c != "denominator")
    message = only_error(csv_of(",".join(row().split(",")[:-1]), header=header))
    assert message.startswith("data.csv:1: the header must name the columns")
    assert "missing denominator" in message


def test_an_extra_column_is_refused():
    message = only_error(csv_of(row() + ",x", header=HEADER + ",<b>notes</b>"))
    assert message.startswith("data.csv:1:") and "unexpected '<b>notes</b>'" in message


def test_a_misnamed_column_is_refused():
    message = only_error(csv_of(row(), header=HEADER.replace("ods_code", "ods")))
    assert "missing ods_code" in message and "unexpected 'ods'" in message


def test_a_repeated_column_is_refused():
    message = only_error(csv_of(row() + ",1", header=HEADER + ",period"))
    assert "repeated period" in message


def test_a_short_row_is_refused():
    assert only_error(csv_of("a,b,c")) == "data.csv:2: the row has 3 cells, the header has 9"


def test_text_that_is_not_utf8_is_refused_with_its_line():
    data = csv_of(row(), row(organisation="Caf\xe9 Trust", ods="ZZB01")).encode("latin-1")
    message = only_error(data)
    assert message.startswith("data.csv:3: the file is not UTF-8 text")


def test_broken_quoting_is_refused():
    message = only_error(csv_of(row(), 'a,"b"c,d'))
    assert "not valid CSV" in message


# --- refusals: cells --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column,kwargs,expected",
    [
        ("metric", {"metric": ""}, "the metric cell is empty"),
        ("metric_name", {"name": "  "}, "the metric_name cell is empty"),
        ("data_type", {"data_type": ""}, "the data_type cell is empty"),
        ("direction", {"direction": ""}, "the direction cell is empty"),
        ("ods_code", {"ods": ""}, "the ods_code cell is empty"),
        ("organisation", {"organisation": ""}, "the organisation cell is empty"),
        ("period", {"period": ""}, "the period cell is empty"),
        ("numerator", {"numerator": ""}, "the numerator cell is empty"),
        ("denominator", {"denominator": " "}, "the denominator cell is empty"),
    ],
)
def test_an_empty_required_cell_is_refused(column, kwargs, expected):
    assert only_error(csv_of(row(**kwargs))) == f"data.csv:2: {expected}"


def test_an_unknown_data_type_is_refused():
    message = only_error(csv_of(row(data_type="percentage")))
    assert message == (
        "data.csv:2: data_type 'percentage' is not one of proportion, rate, standardised-ratio"
    )


def test_an_unknown_direction_is_refused():
    message = only_error(csv_of(row(direction="up")))
    assert message.startswith("data.csv:2: direction 'up' is not one of higher, lower")


def test_data_type_and_direction_ignore_case():
    load(csv_of(row(data_type="Proportion", direction="HIGHER")))
    assert Metric.objects.get().direction == "higher"


@pytest.mark.parametrize(
    "period", ["2025-13", "2025-00", "2025-Q5", "25-04", "2025-04-01", "April 2025", "1850",
               "２０２５-04", "2025/04", "2025-Q"]
)  # fmt: skip
def test_a_bad_period_is_refused(period):
    message = only_error(csv_of(row(period=period)))
    assert message.startswith("data.csv:2: period ")
    assert "is not a month (2025-04), quarter (2025-Q2) or year (2025)" in message


@pytest.mark.parametrize(
    "value,problem",
    [("abc", "is not a number"), ("1,000", "is not a number"), ("nan", "is not a finite number"),
     ("inf", "is not a finite number"), ("-1", "is negative"), ("1e13", "is larger than")],
)  # fmt: skip
@pytest.mark.parametrize("column", ["numerator", "denominator"])
def test_a_bad_number_is_refused(column, value, problem):
    kwargs = {column: value}
    if column == "denominator" and value == "-1":
        kwargs["numerator"] = "0"
    message = only_error(csv_of(row(**kwargs)))
    assert message.startswith(f"data.csv:2: {column} ") and problem in message


def test_a_number_holding_an_nhs_number_is_not_echoed():
    message = only_error(csv_of(row(numerator="943 476 5919")))
    assert NHS_NUMBER not in message.replace(" ", "") and "[NHS number removed]" in message


def test_a_proportion_above_one_is_refused():
    message = only_error(csv_of(row(numerator="101", denominator="100")))
    assert message == (
        "data.csv:2: numerator 101 is larger than denominator 100, impossible for a proportion"
    )


def test_a_rate_may_exceed_its_denominator():
    load(csv_of(row(metric="r", name="Rate", data_type="rate", direction="lower",
                    numerator="150", denominator="100")))  # fmt: skip
    assert Metric.objects.get().unit == "per 1,000"


def test_events_over_a_zero_denominator_are_refused():
    message = only_error(csv_of(row(numerator="3", denominator="0")))
    assert message.startswith("data.csv:2: numerator 3 over a zero denominator")


def test_a_metric_that_is_not_a_slug_is_refused():
    message = only_error(csv_of(row(metric="ED 4 hour")))
    assert "metric 'ED 4 hour' is not a slug" in message


def test_an_ods_code_with_punctuation_is_refused():
    message = only_error(csv_of(row(ods="ZZ-01'")))
    assert message.startswith("data.csv:2: ods_code ")


def test_a_very_long_name_is_refused():
    message = only_error(csv_of(row(organisation="N" * 201)))
    assert message == "data.csv:2: the organisation cell is longer than 200 characters"


def test_a_control_character_in_a_name_is_refused():
    message = only_error(csv_of(row(organisation="North\x00shire")))
    assert "control character" in message


@pytest.mark.parametrize(
    "kwargs,column",
    [({"organisation": f"Trust of {NHS_NUMBER}"}, "organisation"),
     ({"name": "Waits for 943-476-5919"}, "metric_name"),
     ({"ods": NHS_NUMBER}, "ods_code")],
)  # fmt: skip
def test_an_nhs_number_in_a_text_cell_is_refused_without_echo(kwargs, column):
    message = only_error(csv_of(row(**kwargs)))
    assert message.startswith(f"data.csv:2: the {column} cell holds an NHS number")
    assert "434765" not in message.replace("-", "").replace(" ", "")
    assert not Organisation.objects.exists()


def test_an_nhs_number_in_the_header_is_not_echoed():
    message = only_error(csv_of(row() + ",x", header=HEADER + "," + NHS_NUMBER))
    assert NHS_NUMBER not in message and "[NHS number removed]" in message


# --- refusals: rows that disagree with each other ------------------------------------------


def test_one_metric_with_two_names_is_refused():
    message = only_error(csv_of(row(), row(name="Four hours", period="2025-05")))
    assert message.startswith("data.csv:3: metric 'ed-four-hour' has a different name from line 2")


def test_one_metric_with_two_data_types_is_refused():
    message = only_error(csv_of(row(), row(data_type="rate", period="2025-05")))
    assert "different data_type from line 2" in message


def test_one_metric_with_two_directions_is_refused():
    message = only_error(csv_of(row(), row(direction="lower", period="2025-05")))
    assert "different direction from line 2" in message


def test_one_ods_code_with_two_names_is_refused():
    message = only_error(csv_of(row(), row(organisation="Northshire NHS FT", period="2025-05")))
    assert message == (
        "data.csv:3: ODS code 'ZZA01' is named 'Northshire NHS FT' here but "
        "'Northshire Hospitals' on line 2: one code has one name"
    )


def test_one_name_with_two_ods_codes_is_refused():
    message = only_error(csv_of(row(), row(ods="ZZA09", period="2025-05")))
    assert "is also given ODS code 'ZZA01' on line 2" in message


def test_the_same_metric_organisation_and_period_twice_is_refused():
    message = only_error(csv_of(row(), row(period="2025-4", numerator="71")))
    assert message == (
        "data.csv:3: metric 'ed-four-hour', ODS code 'ZZA01', period 2025-04 is already given "
        "on line 2"
    )


def test_mixed_period_kinds_in_one_metric_are_refused():
    message = only_error(csv_of(row(), row(period="2025-Q2")))
    assert message.startswith("data.csv:3: period '2025-Q2' is a quarter, but metric")


def test_every_error_is_reported_up_to_the_cap_then_nothing_is_loaded():
    rows = [row(period=f"2025-{m:02d}") for m in range(1, 13)]
    rows[3] = row(period="2025-04", numerator="x")
    rows[7] = row(period="2025-08", direction="sideways")
    errors = refused(csv_of(*rows))
    assert [e.split(":")[1] for e in errors] == ["5", "9"]
    assert not MetricValue.objects.exists() and not Metric.objects.exists()
    many = csv_of(*[row(period=f"2025-{m:02d}", numerator="-1") for m in range(1, 13)] * 10)
    with pytest.raises(ImportRefused) as caught:
        load(many, max_errors=50)
    assert len(caught.value.errors) == 50 and caught.value.truncated


# --- refusals: rows that disagree with what is stored ----------------------------------------


def test_a_stored_metric_with_another_name_or_type_is_refused():
    load(csv_of(row()))
    message = only_error(csv_of(row(name="Other name", period="2025-05")))
    assert message.startswith("data.csv:2: metric 'ed-four-hour' is stored as named ")
    message = only_error(csv_of(row(data_type="rate", period="2025-05")))
    assert "stored as a proportion" in message
    message = only_error(csv_of(row(direction="lower", period="2025-05")))
    assert "higher is better" in message
    assert MetricValue.objects.count() == 1


def test_a_stored_metric_name_differing_only_in_case_is_the_same():
    load(csv_of(row()))
    result = load(csv_of(row(name="A&E WITHIN  4 HOURS", period="2025-05")))
    assert result.created == 1
    assert Metric.objects.get().name == "A&E within 4 hours"


def test_a_stored_metric_with_another_period_kind_is_refused():
    load(csv_of(row()))
    message = only_error(csv_of(row(period="2025")))
    assert "holds months already; this file gives years" in message


def test_a_stored_ods_code_with_another_name_is_refused():
    load(csv_of(row()))
    message = only_error(csv_of(row(organisation="Renamed Trust", period="2025-05")))
    assert message == (
        "data.csv:2: ODS code 'ZZA01' is stored as 'Northshire Hospitals', not 'Renamed Trust': "
        "correct the file, or rename the organisation in the admin first"
    )


def test_a_stored_ods_code_in_capitals_matches_the_vocabulary_name():
    load(csv_of(row()))
    result = load(csv_of(row(organisation="NORTHSHIRE HOSPITALS", ods="zza01", period="2025-05")))
    assert result.created == 1
    assert Organisation.objects.get().name == "Northshire Hospitals"


def test_an_organisation_stored_without_a_code_adopts_the_files_code():
    region = Region.objects.first()
    org = Organisation.objects.create(
        name="Tidemouth University Hospitals", slug="tidemouth", kind="trust", region=region
    )
    result = load(csv_of(row(ods="ZZT01", organisation="Tidemouth University Hospitals")))
    org.refresh_from_db()
    assert org.ods_code == "ZZT01" and org.kind == "trust" and org.region == region
    assert result.organisations_given_codes == ["Tidemouth University Hospitals"]
    assert Organisation.objects.count() == 1


def test_an_organisation_stored_with_another_code_is_refused():
    Organisation.objects.create(name="Northshire Hospitals", slug="n", ods_code="ZZQ99")
    message = only_error(csv_of(row()))
    assert message == (
        "data.csv:2: organisation 'Northshire Hospitals' is stored with ODS code 'ZZQ99', "
        "not 'ZZA01'"
    )


def test_an_ods_code_stored_twice_is_refused():
    Organisation.objects.create(name="Old Trust", slug="old", ods_code="ZZA01")
    Organisation.objects.create(name="New Trust", slug="new", ods_code="ZZA01")
    message = only_error(csv_of(row(organisation="New Trust")))
    assert "belongs to more than one stored organisation" in message


def test_a_refusal_against_the_database_leaves_everything_as_it_was():
    load(csv_of(row()))
    token = current_token()
    with pytest.raises(ImportRefused):
        load(csv_of(row(ods="ZZN01", organisation="New One", period="2025-05"),
                    row(organisation="Renamed", period="2025-05")))  # fmt: skip
    assert not Organisation.objects.filter(ods_code="ZZN01").exists()
    assert MetricValue.objects.count() == 1 and current_token() == token


def test_new_organisations_get_a_unique_slug_and_the_chosen_type():
    Organisation.objects.create(name="Other", slug="northshire-hospitals")
    load(csv_of(row()), new_kind="ambulance-trust")
    org = Organisation.objects.get(ods_code="ZZA01")
    assert org.slug == "northshire-hospitals-2" and org.kind == "ambulance-trust"


# --- the command ------------------------------------------------------------------------------


def test_the_command_loads_a_file_and_reports_counts(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(csv_of(row(), row(period="2025-05")), encoding="utf-8")
    out = io.StringIO()
    call_command("import_metric_data", str(path), stdout=out)
    assert "2 rows: 2 created, 0 updated, 0 unchanged" in out.getvalue()
    out = io.StringIO()
    call_command("import_metric_data", str(path), stdout=out)
    assert "2 rows: 0 created, 0 updated, 2 unchanged" in out.getvalue()


def test_the_command_fails_naming_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(csv_of(row(), row(period="2025-13")), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_metric_data", str(path), stderr=err)
    assert f"{path}:3: period '2025-13'" in err.getvalue()
    assert "not loaded, nothing changed" in err.getvalue()
    assert not MetricValue.objects.exists()


def test_the_command_refuses_a_missing_file(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_metric_data", str(tmp_path / "nope.csv"), stderr=err)
    assert "no such file" in err.getvalue()
