"""Suggestions fit the values: a column is proposed for a field only when its first values
are answers of that field's kind (pure functions, no database)."""

import pytest

from consultations.ingest import FieldSpec, fits_kind, suggest_mapping

# A KoboToolbox export's header, in the order Kobo writes it (metadata first and last).
COLUMNS = [
    "start",
    "end",
    "today",
    "deviceid",
    "consent_time",
    "respondent/consent_given",
    "respondent/gender",
    "respondent/age",
    "story_number",
    "story_group/story_text",
    "story_group/feeling",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]
# The first values of each column as the worker samples them (real Kobo shapes).
SAMPLES = {
    "start": ["2024-06-01T09:58:12.402+03:00", "2024-06-02T10:01:40.011+03:00"],
    "end": ["2024-06-01T10:12:55.930+03:00", "2024-06-02T10:20:02.377+03:00"],
    "today": ["2024-06-01", "2024-06-02"],
    "deviceid": ["collect:f3Xk9Qp2", "collect:A8bN2zWq"],
    "consent_time": ["2024-06-01T09:59:00.000+03:00", "2024-06-02T10:02:11.000+03:00"],
    "respondent/consent_given": ["yes", "yes"],
    "respondent/gender": ["female", "male"],
    "respondent/age": ["25_34", "60_plus"],
    "story_number": ["1", "2"],
    "story_group/story_text": [
        "The clinic closed and we walk four hours now.",
        "Nobody told us about the meeting.",
    ],
    "story_group/feeling": ["No / Inseguro", "Sí / Seguro"],
}
FIELDS = [
    FieldSpec("story", "story", required=True),
    FieldSpec("consent", "consent", required=True),
    FieldSpec("date", "date"),
    FieldSpec("age_band", "age_band", options=("15_24", "25_34", "35_59", "60_plus")),
    FieldSpec("sex", "sex", options=("female", "male", "other", "prefer_not_to_say")),
    FieldSpec(
        "feeling",
        "single",
        options=("no", "yes"),
        labels=(("No / Inseguro", "no"), ("Sí / Seguro", "yes")),
    ),
    FieldSpec("dyad_1", "dyad"),
]
TIMESTAMPS = ("start", "end", "today", "consent_time")


def test_timestamps_and_numbers_are_never_proposed_where_they_do_not_fit():
    mapping = suggest_mapping(COLUMNS, FIELDS, samples=SAMPLES)
    for key in ("sex", "age_band", "consent", "feeling", "story"):
        assert not set(mapping.get(key, ())) & set(TIMESTAMPS), (key, mapping)
    assert mapping["story"] == ["story_group/story_text"]  # not the numeric story_number
    assert mapping["consent"] == ["respondent/consent_given"]  # not the consent_time timestamp
    assert mapping["sex"] == ["respondent/gender"]
    assert mapping["age_band"] == ["respondent/age"]
    assert mapping["date"] == ["today"]
    assert mapping["feeling"] == ["story_group/feeling"]


def test_by_name_alone_the_same_header_would_mislead():
    """Without the values the names win: the check above is what keeps them out."""
    mapping = suggest_mapping(COLUMNS, FIELDS)
    assert mapping["story"] == ["story_number"]
    assert mapping["consent"] == ["consent_time"]


def test_a_choice_field_takes_only_a_column_of_its_choices():
    columns = ["q1", "feeling"]
    samples = {"q1": ["No / Inseguro"], "feeling": ["happy", "sad", "angry"]}
    mapping = suggest_mapping(columns, FIELDS, samples=samples)
    assert "feeling" not in mapping  # its values are not the instrument's choices


@pytest.mark.parametrize(
    "spec",
    [spec for spec in FIELDS if spec.kind != "date"]
    + [FieldSpec("place", "location"), FieldSpec("groups", "groups"), FieldSpec("n", "number")],
    ids=lambda spec: spec.kind,
)
def test_kobo_timestamps_fit_no_field_but_a_date(spec):
    assert not fits_kind(spec, SAMPLES["end"])
    assert not fits_kind(spec, SAMPLES["today"])


def test_fits_kind_by_values():
    date = FieldSpec("date", "date")
    dyad = FieldSpec("dyad_1", "dyad")
    sex = FieldSpec("sex", "sex")
    assert fits_kind(date, SAMPLES["today"]) and fits_kind(date, ["01/06/2024"])
    assert fits_kind(dyad, ["3.5", "7", "100"]) and not fits_kind(dyad, ["250", "400"])
    assert fits_kind(sex, ["Femme", "Homme"]) and fits_kind(sex, ["mujer", "hombre"])
    assert not fits_kind(sex, ["25", "60"])
    # One odd answer in ten does not hide a column; no values at all leave the name to judge.
    assert fits_kind(sex, ["female"] * 9 + ["n/a"])
    assert fits_kind(sex, [])
