"""Community voice: consent, withdrawal, review, privacy between partners, suppression."""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from consultations import services
from consultations.models import Campaign, ConsentText, Narrative, Withdrawal
from taxonomy.models import PopulationGroup

from .factories import consultation_objects


@pytest.fixture
def objs(people, vocabularies):
    return consultation_objects(people)


def tell_url(objs, people):
    return reverse("consultations:narrative_new", args=[objs.instrument.pk, people.partner_org.pk])


def form_data(client, url, **values):
    page = client.get(url).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    return {
        "submission_token": token,
        "story": "We walked two hours to the clinic.",
        "consent": "on",
        "consent_how": "verbal",
        **values,
    }


def test_partner_records_a_story_and_gets_a_receipt(objs, people, client_for):
    client = client_for("partner_own")
    url = tell_url(objs, people)
    response = client.post(
        url, form_data(client, url, sig_who_0="80", sig_who_1="20", sig_who_2="0", sig_outcome="25")
    )
    html = response.content.decode()
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>", html).group(1)
    story = Narrative.objects.get(story__startswith="We walked")
    assert story.organisation == people.partner_org and story.review_status == "pending"
    assert story.answers["who"] == pytest.approx([0.8, 0.2, 0.0])
    assert story.answers["outcome"] == pytest.approx(0.25)
    assert code not in str(story.__dict__)  # only the hash is stored


def test_without_consent_nothing_is_stored(objs, people, client_for):
    client = client_for("partner_own")
    url = tell_url(objs, people)
    data = form_data(client, url)
    del data["consent"]
    response = client.post(url, data)
    assert "Without your agreement" in response.content.decode()
    assert not Narrative.objects.filter(story__startswith="We walked").exists()
    with pytest.raises(Exception, match="consent"):
        services.narrative_submit(
            instrument=objs.instrument,
            values={"story": "x"},
            consent={"given": False, "how": "self"},
            channel="form",
        )


def test_the_same_form_posted_twice_stores_one_story(objs, people, client_for):
    client = client_for("partner_own")
    url = tell_url(objs, people)
    data = form_data(client, url)
    client.post(url, data)
    response = client.post(url, data, follow=True)
    assert "not saved twice" in response.content.decode()
    assert Narrative.objects.filter(story__startswith="We walked").count() == 1


def test_withdrawal_removes_every_trace(objs, people, client_for, client):
    story = objs.narrative
    story.review_status = "approved"
    story.save()
    rco = client_for("rco")
    analysis = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    assert "the clinic" in rco.get(analysis + "?q=clinic").content.decode()
    client.logout()
    response = client.post(reverse("consultations:withdraw"), {"code": objs.receipt})
    assert "have been deleted" in response.content.decode()
    assert not Narrative.objects.filter(pk=story.pk).exists()
    assert Withdrawal.objects.get().reason == "withdrawn"
    log = AuditEvent.objects.get(action="delete")
    assert "clinic" not in log.summary + str(log.data)
    rco = client_for("rco")
    assert "the clinic" not in rco.get(analysis + "?q=clinic").content.decode()
    export = rco.get(reverse("consultations:campaign_export", args=[objs.campaign.pk, "csv"]))
    assert b"clinic" not in export.content
    assert (
        client.post(reverse("consultations:withdraw"), {"code": objs.receipt}).status_code == 200
    )  # an unknown code says nothing more
    assert Narrative.objects.count() == 0


def test_partners_cannot_see_each_others_submissions(objs, people, client_for):
    other = client_for("partner_other")
    assert other.get(objs.narrative.get_absolute_url()).status_code == 404
    assert other.get(f"/api/stories/{objs.narrative.pk}/").status_code == 404
    assert other.get("/api/stories/").json()["count"] == 0
    assert other.get(objs.focus_group.get_absolute_url()).status_code == 404
    export = other.get(reverse("consultations:campaign_export", args=[objs.campaign.pk, "csv"]))
    assert export.status_code == 404
    own = client_for("partner_own")
    assert own.get("/api/stories/").json()["count"] == 1


def test_unct_members_never_see_the_unapproved_queue(objs, people, client_for):
    unct = client_for("unct")
    assert unct.get(objs.narrative.get_absolute_url()).status_code == 404
    services.submission_review(obj=objs.narrative, status="approved", note="", user=people.rco)
    assert unct.get(objs.narrative.get_absolute_url()).status_code == 200


def test_review_is_logged_and_identifiers_are_highlighted_and_redacted(objs, people, client_for):
    rco = client_for("rco")
    page = rco.get(objs.narrative.get_absolute_url()).content.decode()
    assert '<mark class="pii"' in page and "+44 7700 900123" in page
    rco.post(reverse("consultations:narrative_redact", args=[objs.narrative.pk]))
    objs.narrative.refresh_from_db()
    assert "7700" not in objs.narrative.story
    rco.post(
        reverse("consultations:narrative_review", args=[objs.narrative.pk]),
        {"status": "approved", "note": "fine"},
    )
    objs.narrative.refresh_from_db()
    assert objs.narrative.review_status == "approved"
    assert AuditEvent.objects.filter(action="review", actor=people.rco).exists()


def test_counts_below_five_are_never_shown(objs, people, client_for):
    group = PopulationGroup.objects.get(name="Migrants")
    for i in range(3):
        story, _ = services.narrative_submit(
            instrument=objs.instrument,
            values={"story": f"story {i}"},
            consent={"given": True, "how": "self"},
            channel="form",
            organisation=people.partner_org,
            groups=[group],
        )
        services.submission_review(obj=story, status="approved", note="", user=people.rco)
    html = (
        client_for("unct")
        .get(reverse("consultations:campaign_analysis", args=[objs.campaign.pk]))
        .content.decode()
    )
    assert "fewer than 5" in html
    table = html[html.index("By self-identified group") :]
    table = table[: table.index("</table>")]
    assert not re.search(r"<td>[1-4]</td>", table)
    filtered = (
        client_for("unct")
        .get(
            reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
            + f"?group={group.slug}"
        )
        .content.decode()
    )
    assert "they are not listed" in filtered and "story 1" not in filtered


def test_retention_purge_deletes_expired_records(objs):
    Narrative.objects.filter(pk=objs.narrative.pk).update(retain_until=datetime.date(2020, 1, 1))
    assert services.retention_purge() == 1
    assert not Narrative.objects.exists()
    assert Withdrawal.objects.get().reason == "retention"


def test_consent_text_changes_create_versions(objs, people):
    campaign = Campaign.objects.get(pk=objs.campaign.pk)
    services.campaign_save(campaign=campaign, consent_text="A clearer text.", user=people.rco)
    services.campaign_save(campaign=campaign, consent_text="A clearer text.", user=people.rco)
    assert list(
        ConsentText.objects.filter(campaign=campaign).values_list("version", flat=True)
    ) == [2, 1]
    objs.narrative.refresh_from_db()
    assert objs.narrative.consent_text.version == 1


def test_public_link_works_without_an_account_and_is_rate_limited(objs, client, settings):
    url = reverse("consultations:public_tell", args=[objs.campaign.public_token])
    data = form_data(client, url)
    data.pop("consent_how")
    response = client.post(url, data)
    assert "receipt code" in response.content.decode()
    story = Narrative.objects.get(story__startswith="We walked")
    assert story.channel == "public" and story.organisation is None
    assert client.get(url[:-5] + "wrong-token-0000000000/").status_code == 404
    for _ in range(25):
        last = client.post(url, {"story": "x"})
    assert last.status_code == 429


def test_focus_group_quotes_need_a_self_described_group(objs, people, client_for, vocabularies):
    client = client_for("partner_own")
    url = reverse("consultations:focus_group_new", args=[objs.campaign.pk])
    base = {
        "held_on": "2026-06-01",
        "place": "North",
        "languages": "en",
        "participants_total": 8,
        "women": 5,
        "men": 3,
        "other_sex": 0,
        "age_under_18": 0,
        "age_18_34": 4,
        "age_35_64": 4,
        "age_65_plus": 0,
        "with_disability": 2,
        "consent_obtained": "verbal",
        "questions": "What helps?",
        "consent_how": "verbal",
        "use_quotation": "on",
    }
    response = client.post(url, {**base, "quotes_text": "We are not heard"})
    assert "self-described group" in response.content.decode()
    response = client.post(
        url,
        {
            **base,
            "quotes_text": "We are not heard | a young mother",
            "themes_text": "Distance to services | geography | 3.8",
        },
    )
    assert response.status_code == 302
    record = objs.campaign.focus_groups.latest("created_at")
    assert record.quotes.get().speaker_group == "a young mother"
    assert record.participants["sex"] == {"female": 5, "male": 3, "other": 0}
    theme = record.themes.get()
    assert theme.summary == "Distance to services"
    assert [f.code for f in theme.factors.all()] == ["geography"]
    assert [t.code for t in theme.sdg_targets.all()] == ["3.8"]


def test_an_english_campaign_is_not_served_half_in_french(objs, client):
    """Issue 13: a campaign whose texts exist only in English is served in English, with
    lang="en", even to a visitor whose portal language is French (the French and Spanish
    journey is in tests/consultations/test_respondent_languages.py)."""
    url = reverse("consultations:public_tell", args=[objs.campaign.public_token])
    client.post(reverse("set_language"), {"language": "fr", "next": url})
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "Share your story" in html and "Partagez votre histoire" not in html


def test_an_export_cannot_list_what_the_analysis_page_hides(objs, people, client_for):
    """M3: the analysis page says "fewer than 5 stories match: not listed"; the export of the
    same filter returned those stories, and the filter (a group) said who they were."""
    from taxonomy.models import PopulationGroup

    rare = PopulationGroup.objects.create(name="Rare group", slug="rare-group")
    stories = []
    for index in range(8):
        story, _receipt = services.narrative_submit(
            instrument=objs.instrument,
            values={"story": f"Export story number {index} about the road."},
            consent={"given": True, "how": "verbal"},
            channel="form",
            organisation=people.partner_org,
            user=people.partner_own,
        )
        services.submission_review(obj=story, status="approved", note="", user=people.rco)
        stories.append(story)
    for story in stories[:3]:
        story.groups.add(rare)
    url = reverse("consultations:campaign_export", args=[objs.campaign.pk, "csv"])
    analysis = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    unct = client_for("unct")
    assert "are not listed" in unct.get(analysis + "?group=rare-group").content.decode()
    refused = unct.get(url + "?group=rare-group", follow=True)
    assert b"Export story number" not in refused.content
    assert "so they are not exported" in refused.content.decode()
    assert AuditEvent.objects.filter(data__refused=True).count() == 1
    # The whole campaign (8 stories) exports, the rare group suppressed in its column.
    whole = unct.get(url).content.decode()
    assert "Rare group" not in whole and "(fewer than 5)" in whole
    assert len(whole.strip().splitlines()) == 1 + 8
    # RCO staff of the country work with the small cell.
    rco = client_for("rco").get(url + "?group=rare-group").content.decode()
    assert len(rco.strip().splitlines()) == 1 + 3
