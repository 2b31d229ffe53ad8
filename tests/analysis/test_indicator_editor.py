"""The structured indicator editor: an analyst defines or adjusts an indicator without JSON."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from analysis import services
from analysis.forms import (
    MAX_CIRCUMSTANCES,
    RunForm,
    format_condition_lines,
    format_recode,
    parse_condition_lines,
    parse_recode,
)
from analysis.indicators import ESCAP_PRESETS, Band, CircumstanceSpec, Condition
from analysis.models import Dataset, Run
from demo.synthetic import generate_dhs_like

ELECTRICITY = ESCAP_PRESETS["dhs-electricity"]


def post_data(form: RunForm) -> dict:
    """What a browser posts for a form as it is shown (ticked boxes only, lists kept)."""
    data = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        if value is True:
            data[field.html_name] = "on"
        else:
            data[field.html_name] = value if isinstance(value, list) else str(value)
    return data


# -- the text formats of the fields ----------------------------------------------------------


def test_recode_lines_read_back_to_the_same_recode():
    spec = ELECTRICITY.circumstances[0]
    assert format_recode(spec) == "1, 2 → Bottom 40%\n3, 4, 5 → Top 60%"
    recode, bands = parse_recode(format_recode(spec))
    assert recode == dict(spec.recode) and bands == ()
    recode, _ = parse_recode("Poorest -> Poor\n\n  Poorer,Middle → Poor  ")
    assert recode == {"Poorest": "Poor", "Poorer": "Poor", "Middle": "Poor"}


def test_range_lines_become_bands():
    recode, bands = parse_recode("15 to 24 → 15-24\n25 to 97 -> 25+")
    assert recode == {} and bands == (Band("15-24", 15, 24), Band("25+", 25, 97))
    spec = CircumstanceSpec("Age", "v012", bands=bands)
    assert parse_recode(format_recode(spec)) == ({}, bands)


@pytest.mark.parametrize(
    "text,message",
    [
        ("1, 2 Bottom 40%", "Line 1"),
        ("1 → A\n2 →", "Line 2"),
        ("1 → A\n1 → B", "already recoded"),
        ("1 → A\n15 to 24 → B", "not both"),
        ("30 to 20 → B", "minimum above maximum"),
    ],
)
def test_a_recode_that_does_not_parse_says_which_line(text, message):
    with pytest.raises(Exception, match=message):
        parse_recode(text)


def test_condition_lines_read_back():
    groups = (
        (Condition("hv204", ">=", 30), Condition("hv204", "!=", 996)),
        (Condition("v012", "between", (20, 24)), Condition("v502", "in", (1, 2))),
        (Condition("MN20", "notnull"),),
    )
    text = format_condition_lines(groups)
    assert text.splitlines()[1] == "v012 between 20 and 24 and v502 in 1, 2"
    assert parse_condition_lines(text) == groups


@pytest.mark.parametrize("slug", sorted(ESCAP_PRESETS))
def test_every_preset_survives_the_fields_unchanged(slug):
    """Filling the fields from a preset and posting them gives the preset back exactly, so
    a run started from the fields is the same indicator as one started from its JSON."""
    shown = RunForm(initial={"preset": slug}, definition_start=ESCAP_PRESETS[slug])
    posted = RunForm(post_data(shown))
    assert posted.is_valid(), posted.errors
    assert posted.cleaned_data["definition"] == ESCAP_PRESETS[slug].to_dict()


def test_counting_declared_missing_codes_as_no_survives_the_fields():
    """A definition that counts the file's declared missing codes as "no" keeps saying so
    when it is edited in the fields (and the default stays out of the stored JSON)."""
    from analysis.indicators import IndicatorDefinition

    data = ESCAP_PRESETS["dhs-electricity"].to_dict()
    data["outcome"]["declared_missing_as"] = "negative"
    definition = IndicatorDefinition.from_dict(data)
    shown = RunForm(initial={"preset": "dhs-electricity"}, definition_start=definition)
    posted_data = post_data(shown)
    assert posted_data["outcome_declared"] == "negative"
    posted = RunForm(posted_data)
    assert posted.is_valid(), posted.errors
    assert posted.cleaned_data["definition"]["outcome"]["declared_missing_as"] == "negative"
    posted_data["outcome_declared"] = "missing"
    posted = RunForm(posted_data)
    assert posted.is_valid(), posted.errors
    assert "declared_missing_as" not in posted.cleaned_data["definition"]["outcome"]


# -- the editor in the portal ----------------------------------------------------------------


@pytest.fixture(scope="module")
def hr_dta(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("survey") / "DEMOHR.dta"
    generate_dhs_like(seed=7, n_households=1500)["HR"].write_dta(path)
    return path.read_bytes()


@pytest.fixture
def dataset(people, hr_dta, django_capture_on_commit_callbacks) -> Dataset:
    with django_capture_on_commit_callbacks(execute=True):
        dataset = services.dataset_upload(
            uploaded=SimpleUploadedFile("DEMOHR.dta", hr_dta),
            title="Demo HR",
            country="Demoland",
            survey_kind="DHS",
            survey_round="2022",
            user=people.rco,
        )
    dataset.refresh_from_db()
    return dataset


@pytest.fixture
def rco(client_for):
    return client_for("rco")


def shown_form(client, dataset, preset="dhs-electricity") -> RunForm:
    response = client.get(dataset.get_absolute_url(), {"preset": preset})
    assert response.status_code == 200
    return response.context["form"]


def start_run(client, dataset, data, capture):
    with capture(execute=True):
        return client.post(reverse("analysis:run_start", args=[dataset.pk]), data)


def test_a_preset_fills_the_fields(rco, dataset):
    page = rco.get(dataset.get_absolute_url(), {"preset": "dhs-electricity"}).content.decode()
    form = shown_form(rco, dataset)
    assert form["name"].value() == "Access to electricity"
    assert form["outcome_column"].value() == "hv206"
    # hv206 is labelled 0 = No, 1 = Yes: the code that counts as 1 is offered and ticked
    assert dict(form.fields["outcome_values"].choices)["1"].startswith("1 = Yes (")
    assert form["outcome_values"].value() == ["1"]
    assert form["outcome_blank"].value() == "negative"
    assert form["weight_column"].value() == "hv005" and form["weight_divisor"].value() == 1_000_000
    assert form["region_column"].value() == "hv024"
    assert form["circumstance_0_name"].value() == "Wealth"
    assert form["circumstance_0_kind"].value() == "ordered"
    assert form["circumstance_0_order"].value() == "Bottom 40%, Top 60%"
    assert form["circumstance_0_recode"].value() == "1, 2 → Bottom 40%\n3, 4, 5 → Top 60%"
    assert form["circumstance_2_other"].value() == "Lower"
    assert form.circumstance_count == 4  # the preset's three and one empty row
    # every field has a label, rows are fieldsets with legends, the JSON is an advanced option
    assert '<label for="id_circumstance_0_recode">' in page
    assert "<legend>Circumstance 1</legend>" in page and "<legend>Outcome</legend>" in page
    assert "Advanced: edit the definition as JSON" in page
    assert "Values of hv270 in this file: 1 = Poorest" in page


def test_the_fields_alone_reproduce_the_preset_json_run(
    rco, dataset, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (from_json,) = services.runs_start(
            dataset=dataset, definition=ELECTRICITY.to_dict(), user=people.rco
        )
    data = post_data(shown_form(rco, dataset))
    data.pop("definition")  # no JSON at all
    response = start_run(rco, dataset, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    from_fields = Run.objects.exclude(pk=from_json.pk).get()
    from_json.refresh_from_db()
    assert from_fields.status == Run.Status.SUCCEEDED, from_fields.message
    assert from_fields.definition == ELECTRICITY.to_dict()
    assert from_fields.indicator == from_json.indicator  # the same indicator, so a trend
    assert from_fields.result == from_json.result


def test_an_adjusted_recode_is_a_new_indicator(rco, dataset, django_capture_on_commit_callbacks):
    data = post_data(shown_form(rco, dataset))
    data["circumstance_0_recode"] = "1 → Poorest 20%\n2, 3, 4, 5 → Top 80%"
    data["circumstance_0_order"] = "Poorest 20%, Top 80%"
    response = start_run(rco, dataset, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    run = Run.objects.get()
    assert run.status == Run.Status.SUCCEEDED, run.message
    assert run.definition["circumstances"][0]["recode"]["2"] == "Top 80%"
    assert run.definition["slug"] == "" and run.definition["verified"] is False
    assert "Adjusted from" in run.definition["notes"]
    assert {"Poorest 20%", "Top 80%"} == {g["name"] for g in run.result["dimensions"]["Wealth"]}


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"circumstance_1_kind": "ordered"}, "circumstance_1_order", "lowest to highest"),
        ({"circumstance_0_recode": "1, 2 Bottom 40%"}, "circumstance_0_recode", "Line 1"),
        ({"circumstance_0_order": "Bottom 40%"}, "circumstance_0_order", "Top 60%"),
        ({"circumstance_3_column": "hv999"}, "circumstance_3_column", "no column “hv999”"),
        ({"weight_column": "HV005"}, "weight_column", "Did you mean hv005"),
        ({"outcome_values": [], "outcome_values_other": ""}, "outcome_values", "count as 1"),
        ({"name": ""}, "name", "name"),
        ({"population_0_column": "hv009", "population_0_op": "between"}, "population_0_value", ""),
        (
            {
                "population_0_column": "hv009",
                "population_0_op": "between",
                "population_0_value": "1",
            },
            "population_0_value",
            "two numbers",
        ),
        ({"outcome_threshold": "3"}, "outcome_threshold", "numeric outcome"),
        ({"weight_divisor": "0"}, "weight_divisor", "positive"),
        ({"outcome_zero_when": "hv204 about 30"}, "outcome_zero_when", "not a condition"),
        ({"circumstance_1_name": "Wealth"}, "circumstance_1_name", "already called"),
        # found only by applying the definition to the data (IndicatorError from the file)
        ({"circumstance_0_recode": "1, 2 → Bottom 40%"}, "circumstance_0_recode", "unmapped"),
        ({"outcome_values": ["0", "1"]}, "outcome_values", "constant"),
        (
            {"population_0_column": "hv009", "population_0_op": ">", "population_0_value": "99"},
            "population_0_value",
            "leaves no rows",
        ),
    ],
)
def test_an_error_is_shown_next_to_the_field_that_caused_it(
    rco, dataset, django_capture_on_commit_callbacks, change, field, message
):
    data = {**post_data(shown_form(rco, dataset)), **change}
    response = start_run(rco, dataset, data, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and not Run.objects.exists()
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page  # next to the field, and named by aria-describedby
    assert 'id="run-form-problems"' in page


def test_more_rows_keeps_what_was_typed_and_shows_no_errors(rco, dataset):
    data = post_data(shown_form(rco, dataset))
    data["circumstance_3_name"] = "Religion"
    data["circumstance_3_column"] = "religion"
    data["name"] = ""  # unfinished: no error yet, the analyst only asked for rows
    response = rco.post(
        reverse("analysis:run_start", args=[dataset.pk]), {**data, "more_circumstances": "1"}
    )
    form = response.context["form"]
    assert response.status_code == 200 and not form.is_bound
    assert form.circumstance_count == 6
    assert form["circumstance_3_column"].value() == "religion"
    assert form["circumstance_0_recode"].value() == data["circumstance_0_recode"]
    assert 'name="circumstance_5_recode"' in response.content.decode()
    assert 'id="run-form-problems"' not in response.content.decode()
    for _ in range(3):
        data = post_data(form)
        response = rco.post(
            reverse("analysis:run_start", args=[dataset.pk]), {**data, "more_circumstances": "1"}
        )
        form = response.context["form"]
    assert form.circumstance_count == MAX_CIRCUMSTANCES
    assert 'name="more_circumstances"' not in response.content.decode()


def test_a_new_outcome_column_shows_its_levels(rco, dataset):
    data = {**post_data(shown_form(rco, dataset)), "outcome_column": "hv025"}
    response = rco.post(
        reverse("analysis:run_start", args=[dataset.pk]), {**data, "show_levels": "1"}
    )
    form = response.context["form"]
    assert [value for value, _ in form.fields["outcome_values"].choices] == ["1", "2"]
    assert form["outcome_values"].value() == []
    assert "2 = Rural" in response.content.decode()
    # ticking the old column's codes after changing the column, without looking, is caught
    response = rco.post(reverse("analysis:run_start", args=[dataset.pk]), data)
    assert "outcome_values" in response.context["form"].errors


@pytest.mark.parametrize("use_json,name", [(False, "Electricity (fields)"), (True, "From JSON")])
def test_the_fields_win_unless_use_json_is_ticked(
    rco, dataset, django_capture_on_commit_callbacks, use_json, name
):
    data = {**post_data(shown_form(rco, dataset)), "name": "Electricity (fields)"}
    data["definition"] = json.dumps({**ELECTRICITY.to_dict(), "name": "From JSON"})
    if use_json:
        data["use_json"] = "on"
    response = start_run(rco, dataset, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Run.objects.get().indicator.name == name


def test_errors_in_the_json_go_to_the_json(rco, dataset, django_capture_on_commit_callbacks):
    definition = ELECTRICITY.to_dict()
    definition["circumstances"][0]["order"] = ["Bottom 40%"]
    data = {
        **post_data(shown_form(rco, dataset)),
        "use_json": "on",
        "definition": json.dumps(definition),
    }
    response = start_run(rco, dataset, data, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Top 60%" in " ".join(response.context["form"].errors["definition"])
    assert '<details class="editor-section" open>' in response.content.decode()


# -- errors reach their field by path, not by their wording ---------------------------------


def test_an_error_path_names_its_editor_field():
    from analysis.forms import field_for_path

    assert field_for_path("outcome.threshold") == "outcome_threshold"
    assert field_for_path("outcome.zero_when[0][1].column") == "outcome_zero_when"
    assert field_for_path("weight_divisor") == "weight_divisor"
    assert field_for_path("query") == "query"
    # the definition skips blank rows: its second circumstance may be the form's fourth row
    assert field_for_path("circumstances[1].order", circumstance_rows=[0, 3]) == (
        "circumstance_3_order"
    )
    assert field_for_path("circumstances[1].bands[0].minimum", circumstance_rows=[0, 3]) == (
        "circumstance_3_recode"
    )
    assert field_for_path("population_filter[0].op", population_rows=[2]) == "population_2_op"
    assert field_for_path("") is None


def _residence_recode_that_leaves_rural_out(rco, dataset) -> dict:
    """Circumstance row 0 cleared (the definition's first circumstance is then the form's
    row 1, Residence) and Residence recoding only 1 → Urban, so 2 is left unmapped: an error
    found only by applying the definition to the file."""
    data = post_data(shown_form(rco, dataset))
    for part in ("name", "column", "order", "recode", "other", "missing"):
        data[f"circumstance_0_{part}"] = ""
    data["circumstance_1_recode"] = "1 → Urban"
    return data


def test_an_error_from_the_data_reaches_the_row_it_is_about(
    rco, dataset, django_capture_on_commit_callbacks
):
    data = _residence_recode_that_leaves_rural_out(rco, dataset)
    response = start_run(rco, dataset, data, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and not Run.objects.exists()
    errors = response.context["form"].errors
    assert list(errors) == ["circumstance_1_recode"], errors
    assert "unmapped" in " ".join(errors["circumstance_1_recode"])


def test_rewording_a_message_does_not_move_it_to_another_field(
    rco, dataset, django_capture_on_commit_callbacks, monkeypatch
):
    # every message of the evaluation reworded so that it names neither a circumstance, a
    # recode nor a quoted name: the text-reading router sent such errors to the form as a whole
    monkeypatch.setattr(
        "analysis.indicators.evaluate.gettext_noop", lambda message: "Something needs fixing."
    )
    data = _residence_recode_that_leaves_rural_out(rco, dataset)
    response = start_run(rco, dataset, data, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["circumstance_1_recode"] == ["Something needs fixing."]
    assert 'id="id_circumstance_1_recode_error"' in response.content.decode()


def test_a_definition_error_is_shown_in_the_active_language():
    from django.utils import translation

    from analysis.forms import indicator_message
    from analysis.indicators import IndicatorError, OutcomeRule

    with pytest.raises(IndicatorError) as caught:
        OutcomeRule(column="hv270", kind="numeric", threshold="three", direction="below")
    assert caught.value.field == "threshold"
    assert str(caught.value) == "The outcome threshold must be a number."
    with translation.override("fr"):
        assert indicator_message(caught.value) == "Le seuil du résultat doit être un nombre."
    with translation.override("es"):
        assert indicator_message(caught.value) == "El umbral del resultado debe ser un número."
