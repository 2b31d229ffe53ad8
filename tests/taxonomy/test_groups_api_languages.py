"""The groups API names each group in the request's language (``?lang=`` or Accept-Language,
English where a translation is missing) and gives every translation in ``names``."""

import pytest

from taxonomy.models import PopulationGroup

pytestmark = pytest.mark.django_db


def _older(payload):
    rows = payload["results"] if "results" in payload else [payload]
    return next(row for row in rows if row["slug"] == "older-persons")


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_display_name_follows_accept_language_and_lang(language, people, client_for, vocabularies):
    older = PopulationGroup.objects.get(slug="older-persons")
    expected = older.name_in(language)
    assert language == "en" or expected not in ("", older.name)  # fr/es names are seeded
    client = client_for("unct")
    by_header = client.get(
        "/api/groups/", {"page_size": 500}, headers={"accept-language": language}
    ).json()
    assert _older(by_header)["display_name"] == expected
    by_param = client.get("/api/groups/older-persons/", {"lang": language}).json()
    assert by_param["display_name"] == expected
    # ``name`` stays the English name whatever the language (what writes set).
    assert _older(by_header)["name"] == by_param["name"] == "Older persons"
    assert by_param["names"] == {
        "en": "Older persons",
        "fr": older.labels["fr"],
        "es": older.labels["es"],
    }


def test_lang_wins_over_accept_language(people, client_for, vocabularies):
    older = PopulationGroup.objects.get(slug="older-persons")
    response = client_for("unct").get(
        "/api/groups/older-persons/", {"lang": "es"}, headers={"accept-language": "fr"}
    )
    assert response.json()["display_name"] == older.labels["es"]


def test_an_untranslated_group_falls_back_to_english_and_says_null(
    people, client_for, vocabularies
):
    PopulationGroup.objects.create(name="Seasonal herders", slug="seasonal-herders", labels={})
    row = client_for("unct").get("/api/groups/seasonal-herders/", {"lang": "fr"}).json()
    assert row["display_name"] == "Seasonal herders"
    assert row["names"] == {"en": "Seasonal herders", "fr": None, "es": None}


def test_an_unknown_lang_is_a_bad_request(people, client_for, vocabularies):
    response = client_for("unct").get("/api/groups/", {"lang": "de"})
    assert response.status_code == 400
    (message,) = response.json()["lang"]
    assert "'lang'" in message and "en, fr, es" in message


def test_the_schema_documents_lang_and_the_names(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in ("/api/groups/", "/api/groups/{slug}/"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert set(parameters["lang"]["schema"]["enum"]) == {"en", "fr", "es"}
    group = schema["components"]["schemas"]["PopulationGroup"]
    assert {"display_name", "names"} <= set(group["required"])
    assert group["properties"]["display_name"]["readOnly"] is True
    names = schema["components"]["schemas"]["PopulationGroupNames"]
    assert set(names["properties"]) == {"en", "fr", "es"}
    assert names["properties"]["fr"].get("nullable") is True
