"""Every recommendations import is a batch that RCO staff of its country can undo as a whole;
a UPR matrix of another state is refused."""

import json

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from recommendations import services
from recommendations.models import Change, ImportJob, Recommendation

from .test_import import CHINA, UHRI, bissau_rco, confirm, upload  # noqa: F401

pytestmark = pytest.mark.django_db

NAME = "export-full-en.json"
FIRST = UHRI[0]["AnnotationId"]
SECOND = UHRI[1]["AnnotationId"]
THIRD = "aaaaaaaa-0000-4000-8000-000000000009"


def _newer_export() -> list[dict]:
    """The next UHRI export of Guinea-Bissau: the UPR record's position changed and its
    groups differ, and one new treaty-body record."""
    rows = json.loads(json.dumps(UHRI))
    rows[0]["UprPositions"] = "Noted"
    rows[0]["AffectedPersons"] = ["Persons with disabilities"]
    rows[0]["PublicationDateOnUhri"] = "2025-06-01"
    added = json.loads(json.dumps(UHRI[1]))
    added["AnnotationId"] = THIRD
    added["Text"] = "<p>40. The Committee recommends free birth registration.</p>"
    rows.append(added)
    return rows


def _import(user, rows, capture) -> ImportJob:
    job = confirm(
        upload(user, NAME, json.dumps(rows).encode(), "uhri_json", "Guinea-Bissau", capture),
        user,
        capture,
    )
    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    return job


def test_undo_removes_exactly_one_batch_and_restores_what_it_updated(
    bissau_rco,  # noqa: F811
    vocabularies,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    first = _import(bissau_rco, UHRI, capture)
    assert first.records.count() == 2
    second = _import(bissau_rco, _newer_export(), capture)
    assert (second.counts["added"], second.counts["updated"], second.counts["unchanged"]) == (
        1,
        1,
        1,
    )
    upr = Recommendation.objects.get(external_id=FIRST)
    assert upr.upr_position == "Noted"
    assert [g.name for g in upr.groups.all()] == ["Persons with disabilities"]

    # the first import cannot be undone: the second one changed one of its records since
    reasons = services.import_undo_blockers(first)
    assert len(reasons) == 1 and FIRST in reasons[0] and "later import" in reasons[0]

    result = services.import_undo(job=second, user=bissau_rco)
    assert result == {"deleted": 1, "restored": 1}
    assert set(Recommendation.objects.values_list("external_id", flat=True)) == {FIRST, SECOND}
    upr.refresh_from_db()
    assert upr.upr_position == "Supported"
    assert upr.publication_date_on_uhri.isoformat() == "2025-01-15"
    assert {g.name for g in upr.groups.all()} == {"Children", "Stateless persons"}
    assert [t.code for t in upr.sdg_targets.all()] == ["16.9"]
    second.refresh_from_db()
    assert second.status == ImportJob.Status.UNDONE and second.undone_by == bissau_rco
    assert Change.objects.filter(recommendation=upr, verb="import undone").count() == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, data__undo=True)
    assert event.actor == bissau_rco and event.country == "Guinea-Bissau"
    assert event.data["deleted"] == 1 and event.data["restored"] == 1

    # a batch is undone once; then the first import is free to be undone too
    with pytest.raises(services.ValidationError):
        services.import_undo(job=second, user=bissau_rco)
    assert services.import_undo(job=first, user=bissau_rco) == {"deleted": 2, "restored": 0}
    assert not Recommendation.objects.exists()


def test_undo_is_refused_after_a_hand_edit_and_changes_nothing(
    bissau_rco,  # noqa: F811
    vocabularies,
    django_capture_on_commit_callbacks,
):
    job = _import(bissau_rco, UHRI, django_capture_on_commit_callbacks)
    concern = Recommendation.objects.get(external_id=SECOND)
    services.recommendation_publish(recommendation=concern, actor=bissau_rco, published=True)
    with pytest.raises(services.ValidationError) as refused:
        services.import_undo(job=job, user=bissau_rco)
    message = " ".join(refused.value.messages)
    assert SECOND in message and FIRST not in message and "changed after it" in message
    assert Recommendation.objects.count() == 2
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED


def test_undo_page_confirms_then_undoes_and_others_cannot(
    bissau_rco,  # noqa: F811
    people,
    client,
    vocabularies,
    django_capture_on_commit_callbacks,
):
    job = _import(bissau_rco, UHRI, django_capture_on_commit_callbacks)
    url = reverse("recommendations:import_undo", args=[job.pk])
    for role in ("partner_own", "unct", "rco"):  # Demoland's RCO staff: another country
        client.force_login(people.user(role))
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert Recommendation.objects.count() == 2
    client.force_login(bissau_rco)
    page = client.get(url)
    assert page.status_code == 200
    assert "deletes the 2 recommendations this import added" in page.content.decode()
    listing = client.get(reverse("recommendations:import_list")).content.decode()
    assert url in listing and "2 / 0 / 0 / 0" in listing
    response = client.post(url)
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert not Recommendation.objects.exists()
    detail = client.get(job.get_absolute_url()).content.decode()
    assert "Undone by" in detail
    # an undone import has nothing left to undo
    assert "cannot be undone" in client.get(url).content.decode()


def test_a_upr_matrix_of_another_state_is_refused(
    people, vocabularies, django_capture_on_commit_callbacks
):
    rco = people.user("rco")
    job = upload(
        rco,
        "matrix-for-demoland.docx",
        CHINA.read_bytes(),
        "upr_matrix",
        "Demoland",
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.FAILED
    assert "“matrix-for-demoland.docx” is the UPR matrix of China, not of Demoland" in job.message
    assert not Recommendation.objects.exists() and not job.file


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("China", "china", True),
        ("Iran (Islamic Republic of)", "Iran", True),
        ("Bolivia (Plurinational State of)", "Plurinational State of Bolivia", True),
        ("Côte d’Ivoire", "Cote d'Ivoire", True),
        ("the Gambia", "Gambia", True),
        ("Guinea", "Guinea-Bissau", False),
        ("Niger", "Nigeria", False),
        ("China", "Demoland", False),
    ],
)
def test_same_state_ignores_spelling_only(first, second, same):
    assert services.same_state(first, second) is same
