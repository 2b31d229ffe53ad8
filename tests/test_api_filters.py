"""API list filters: an invalid value answers 400 naming the parameter and what it accepts;
the schema says what a field can hold."""

import pytest

from recommendations.models import Institution

INVALID = [
    ("/api/recommendations/", "published", "bogus", "true, false"),
    ("/api/recommendations/", "kind", "bogus", "treaty_body, upr"),
    ("/api/recommendations/", "type", "bogus", "recommendation, concern"),
    ("/api/recommendations/", "cycle", "abc", "a number"),
    ("/api/recommendation-clusters/", "published", "maybe", "true, false"),
    ("/api/recommendation-actions/", "status", "bogus", "planned"),
    ("/api/recommendation-assessments/", "kind", "bogus", "official, shadow"),
    ("/api/institutions/", "kind", "bogus", "ministry"),
    ("/api/runs/", "published", "maybe", "true, false"),
    ("/api/runs/", "status", "bogus", "queued"),
    ("/api/stories/", "review_status", "bogus", "pending"),
    ("/api/stories/", "campaign", "abc", "id"),
    ("/api/groups/", "needs_review", "bogus", "true, false"),
    ("/api/causes/", "level", "bogus", "manifestation"),
    ("/api/lnob-actions/", "status", "bogus", "planned"),
]


@pytest.mark.parametrize(("url", "param", "value", "allowed"), INVALID)
def test_an_invalid_filter_value_is_a_bad_request(
    url, param, value, allowed, people, client_for, vocabularies
):
    response = client_for("rco").get(url, {param: value})
    assert response.status_code == 400
    (message,) = response.json()[param]
    assert f"'{param}'" in message and allowed in message


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "True", ""])
def test_valid_boolean_filters_still_filter(value, people, client_for, vocabularies):
    response = client_for("rco").get("/api/groups/", {"needs_review": value})
    assert response.status_code == 200


def test_an_institution_without_a_focal_point_email_says_null(people, client_for):
    Institution.objects.create(country="Demoland", name="Ministry of Justice")
    response = client_for("rco").get("/api/institutions/")
    assert response.json()["results"][0]["focal_point_email"] is None


def test_focal_point_email_is_nullable_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    field = schema["components"]["schemas"]["Institution"]["properties"]["focal_point_email"]
    assert field["format"] == "email" and field["nullable"] is True


def test_creating_runs_is_documented_as_a_plain_list_without_filters(client):
    """POST /api/runs/ answers a list of the new runs, not a page, and takes no filters."""
    operation = client.get("/api/schema/?format=json").json()["paths"]["/api/runs/"]["post"]
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Run"},
    }
    assert not operation.get("parameters")
