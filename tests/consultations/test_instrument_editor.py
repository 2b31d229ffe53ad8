"""Instruments people can maintain: edit, reorder, preview, confirm removal, question
versions (stories keep the version they answered; analysis pools versions sharing choices)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from consultations import services
from consultations.models import Narrative, Signifier

from .factories import consultation_objects


@pytest.fixture
def objs(people, vocabularies):
    objs = consultation_objects(people)
    campaign = objs.campaign
    campaign.languages = ["en", "fr"]
    campaign.save()
    return objs


def _story(objs, people, answers):
    narrative, _code = services.narrative_submit(
        instrument=objs.instrument,
        values={"story": "The bus to the clinic stopped running.", "answers": answers},
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
        user=people.partner_own,
    )
    return narrative


def test_editing_an_answered_question_creates_a_version_and_old_answers_keep_theirs(
    objs, people, client_for
):
    rco = client_for("rco")
    who = objs.instrument.signifiers.get(key="who")
    old_story = objs.narrative
    assert old_story.answer_versions == {"who": 1, "outcome": 1}
    response = rco.post(
        reverse("consultations:signifier_edit", args=[who.pk]),
        {
            "question_en": "Who helped you most?",
            "question_fr": "Qui vous a le plus aidé ?",
            "labels_text": "Family | Famille\nThe state | L'État\nMyself | Moi-même",
            "same_meaning": "on",
        },
    )
    assert response.status_code == 302
    who.refresh_from_db()
    assert who.version == 2
    assert who.question_text("fr") == "Qui vous a le plus aidé ?"
    old = who.versions.get()
    assert (old.version, old.question_text("en")) == (1, "Who helped?")
    assert old.label_texts("en") == ["Family", "State", "Myself"]
    # The story told before keeps version 1; a new story answers version 2.
    old_story.refresh_from_db()
    assert old_story.answer_versions["who"] == 1
    fresh = _story(objs, people, {"who": [0.2, 0.2, 0.6]})
    assert fresh.answer_versions["who"] == 2
    # API readers get the version each story answered and the question's current one.
    assert rco.get(f"/api/stories/{old_story.pk}/").json()["answer_versions"]["who"] == 1
    questions = rco.get(f"/api/instruments/{objs.instrument.pk}/").json()["signifiers"]
    assert {q["key"]: q["version"] for q in questions}["who"] == 2
    # The edit said the corners mean the same: analysis pools versions 1 and 2.
    assert who.combinable_versions() == [1, 2]
    page = rco.get(reverse("consultations:signifier_edit", args=[who.pk])).content.decode()
    assert "Earlier versions" in page and "Who helped?" in page
    assert AuditEvent.objects.filter(summary="question who edited: version 2").exists()


def test_an_unanswered_question_is_edited_in_place(objs, client_for):
    new = services.signifier_add(
        instrument=objs.instrument,
        key="where",
        kind="single",
        question={"en": "Where?"},
        labels=[
            {"value": "home", "label": {"en": "Home"}},
            {"value": "work", "label": {"en": "Work"}},
        ],
    )
    client_for("rco").post(
        reverse("consultations:signifier_edit", args=[new.pk]),
        {"question_en": "Where did it happen?", "labels_text": "Home\nWork"},
    )
    new.refresh_from_db()
    assert (new.version, new.question["en"], new.versions.count()) == (1, "Where did it happen?", 0)


def test_choice_versions_combine_only_when_they_share_choices(objs, people, client_for):
    rco = client_for("rco")
    where = services.signifier_add(
        instrument=objs.instrument,
        key="where",
        kind="single",
        question={"en": "Where?"},
        labels=[
            {"value": "home", "label": {"en": "Home"}},
            {"value": "work", "label": {"en": "Work"}},
        ],
    )
    _story(objs, people, {"where": "home"})
    url = reverse("consultations:signifier_edit", args=[where.pk])
    # A reworded choice keeps its value: versions 1 and 2 are pooled.
    rco.post(url, {"question_en": "Where?", "labels_text": "At home | Chez moi\nWork"})
    where.refresh_from_db()
    assert where.option_values() == ["home", "work"]
    assert where.version == 2 and where.combinable_versions() == [1, 2]
    _story(objs, people, {"where": "work"})
    # A new choice changes what answers mean: version 3 starts a new series.
    rco.post(url, {"question_en": "Where?", "labels_text": "At home\nWork\nSchool"})
    where.refresh_from_db()
    assert where.version == 3 and where.combinable_versions() == [3]


def test_the_add_form_keeps_what_was_typed_when_it_rejects_it(objs, client_for):
    response = client_for("rco").post(
        reverse("consultations:signifier_add", args=[objs.instrument.pk]),
        {
            "kind": "triad",
            "key": "who_decides",
            "question_en": "Who decides in your household?",
            "labels_text": "Me\nMy partner",  # a triad needs three corners
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "needs exactly 3 labels" in page
    assert 'value="who_decides"' in page
    assert "Who decides in your household?" in page and "Me\nMy partner" in page
    assert not Signifier.objects.filter(key="who_decides").exists()


def test_questions_move_up_and_down_without_javascript(objs, client_for):
    rco = client_for("rco")
    outcome = objs.instrument.signifiers.get(key="outcome")
    rco.post(reverse("consultations:signifier_move", args=[outcome.pk]), {"direction": "up"})
    keys = list(objs.instrument.signifiers.values_list("key", flat=True))
    assert keys == ["outcome", "who"]
    page = rco.get(reverse("consultations:instrument_detail", args=[objs.instrument.pk]))
    html = page.content.decode()
    assert html.index("<code>outcome</code>") < html.index("<code>who</code>")
    rco.post(reverse("consultations:signifier_move", args=[outcome.pk]), {"direction": "down"})
    assert list(objs.instrument.signifiers.values_list("key", flat=True)) == ["who", "outcome"]


def test_remove_asks_for_confirmation_first(objs, client_for):
    rco = client_for("rco")
    spare = services.signifier_add(
        instrument=objs.instrument,
        key="spare",
        kind="dyad",
        question={"en": "Spare"},
        labels=[{"en": "Left"}, {"en": "Right"}],
    )
    url = reverse("consultations:signifier_delete", args=[spare.pk])
    confirm = rco.get(url)
    assert confirm.status_code == 200 and "Yes, remove it" in confirm.content.decode()
    assert Signifier.objects.filter(pk=spare.pk).exists()
    rco.post(url)
    assert not Signifier.objects.filter(pk=spare.pk).exists()
    # An answered question cannot be removed; the page says to edit it instead.
    who = objs.instrument.signifiers.get(key="who")
    page = rco.get(reverse("consultations:signifier_delete", args=[who.pk])).content.decode()
    assert "cannot be removed" in page and "Yes, remove it" not in page
    rco.post(reverse("consultations:signifier_delete", args=[who.pk]))
    assert Signifier.objects.filter(pk=who.pk).exists()


def test_preview_shows_the_form_in_each_language_and_stores_nothing(objs, client_for):
    rco = client_for("rco")
    who = objs.instrument.signifiers.get(key="who")
    who.question = {"en": "Who helped?", "fr": "Qui a aidé ?"}
    who.labels = [{"en": "Family", "fr": "Famille"}, {"en": "State", "fr": "État"}, {"en": "Me"}]
    who.save()
    detail = rco.get(reverse("consultations:instrument_detail", args=[objs.instrument.pk]))
    url = reverse("consultations:instrument_preview", args=[objs.instrument.pk])
    assert f"{url}?lang=fr" in detail.content.decode()
    french = rco.get(url + "?lang=fr").content.decode()
    assert "Qui a aidé ?" in french and "Famille" in french
    # The interface too is in French, as a respondent choosing French sees it.
    assert "Rien n'est enregistré" in french or "Rien n&#x27;est enregistré" in french
    assert "Partagez votre histoire" in french
    assert "Who helped?" in rco.get(url + "?lang=en").content.decode()
    before = Narrative.objects.count()
    posted = rco.post(
        url + "?lang=fr",
        {"story": "A preview story", "consent": "on", "submission_token": "x" * 32},
    )
    assert posted.status_code == 200
    assert Narrative.objects.count() == before
    assert client_for("partner_own").get(url).status_code == 403


def test_analysis_pools_versions_that_share_choices_and_leaves_out_the_others(
    objs, people, client_for
):
    from consultations.selectors import narratives_filter, signifier_values

    rco = client_for("rco")
    outcome = objs.instrument.signifiers.get(key="outcome")
    url = reverse("consultations:signifier_edit", args=[outcome.pk])
    # v2: the ends reworded, same meaning → pooled with v1.
    rco.post(
        url,
        {"question_en": "Outcome", "labels_text": "Worse off\nBetter off", "same_meaning": "on"},
    )
    _story(objs, people, {"outcome": 0.9})
    outcome.refresh_from_db()
    stories = Narrative.objects.all()
    assert sorted(signifier_values(stories, "outcome", outcome.combinable_versions())) == [0.3, 0.9]
    # v3: the ends now mean something else → a new series; v1 and v2 answers are left out.
    rco.post(url, {"question_en": "Outcome", "labels_text": "Slower\nFaster"})
    _story(objs, people, {"outcome": 0.05})
    outcome.refresh_from_db()
    assert outcome.combinable_versions() == [3]
    assert signifier_values(stories, "outcome", outcome.combinable_versions()) == [0.05]
    lowest = narratives_filter(stories, signifier=outcome, bin_index=0)
    assert [n.answers["outcome"] for n in lowest] == [0.05]
    # The v2 story (0.9) is not behind the top bar of the v3 series.
    assert not narratives_filter(stories, signifier=outcome, bin_index=9).exists()
    rco.post(url, {"question_en": "Outcome", "labels_text": "Slow\nFast", "same_meaning": "on"})
    Narrative.objects.update(review_status="approved")
    page = rco.get(reverse("consultations:campaign_analysis", args=[objs.campaign.pk]))
    assert "Answers to versions 3, 4 of this question" in page.content.decode()
