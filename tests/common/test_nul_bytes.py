"""A NUL byte in a query parameter or form field answers 400, on SQLite and on PostgreSQL.

PostgreSQL refuses NUL in text, so before the middleware these pages answered 500 there
(found by requesting every GET page of the URL matrix with ``\\x00`` in each parameter).
"""

import pytest
from django.urls import reverse

from tests.consultations.factories import consultation_objects

MESSAGE = "The address contains a character that is not allowed."


def campaign(p):
    return {"pk": consultation_objects(p).campaign.pk}


PAGES = [
    ("consultations:review_queue", campaign, "status"),
    ("consultations:campaign_analysis", campaign, "q"),
    ("consultations:campaign_analysis", campaign, "sig"),
    ("consultations:campaign_export", lambda p: {**campaign(p), "fmt": "csv"}, "q"),
    ("recommendations:index", lambda p: {}, "country"),
    ("api:recommendation-list", lambda p: {}, "q"),
]


@pytest.mark.parametrize(("name", "kwargs", "param"), PAGES)
def test_nul_in_a_query_parameter_is_a_bad_request(name, kwargs, param, people, client_for):
    client = client_for("rco")
    client.raise_request_exception = False
    response = client.get(reverse(name, kwargs=kwargs(people)), {param: "a\x00b"})
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_nul_in_a_parameter_name_or_a_posted_field_is_a_bad_request(people, client_for):
    client = client_for("rco")
    client.raise_request_exception = False
    url = reverse("consultations:review_queue", kwargs=campaign(people))
    assert client.get(url, {"st\x00atus": "pending"}).status_code == 400
    response = client.post(reverse("accounts:profile"), {"full_name": "Rania\x00"})
    assert response.status_code == 400
    assert "The form contains a character that is not allowed." in response.content.decode()


def test_api_answers_nul_with_json(people, client_for):
    response = client_for("unct").get(reverse("api:recommendation-list"), {"q": "\x00"})
    assert response.status_code == 400
    assert response.json() == {"detail": MESSAGE}


def test_ordinary_values_pass(people, client_for):
    url = reverse("consultations:review_queue", kwargs=campaign(people))
    assert client_for("rco").get(url, {"status": "pending"}).status_code == 200
