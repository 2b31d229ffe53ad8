"""Staff deletion pages (story, focus group), focus-group editing with totals checked,
labels instead of codes, PII masked in the review list, the sign-in page, one colour for
"this group" on every chart, the import success message."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from consultations import services
from consultations.models import FocusGroup, Narrative, Upload, Withdrawal
from consultations.plots import MAIN, THIS_GROUP, histogram_svg, ternary_svg

from .factories import consultation_objects

# --- deletion -------------------------------------------------------------------------------


def test_story_deletion_asks_for_a_reason_and_a_confirmation(client_for, people):
    objs = consultation_objects(people)
    client = client_for("rco")
    url = reverse("consultations:narrative_delete", args=[objs.narrative.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "This cannot be undone." in html and 'name="confirm"' in html
    assert 'value="teller_asked"' in html
    # A reason without the confirmation, or a confirmation without a reason, deletes nothing.
    assert client.post(url, {"reason": "teller_asked"}).status_code == 400
    assert client.post(url, {"confirm": "yes"}).status_code == 400
    assert Narrative.objects.filter(pk=objs.narrative.pk).exists()
    response = client.post(url, {"reason": "teller_asked", "confirm": "yes"})
    assert response.status_code == 302 and response.url == objs.campaign.get_absolute_url()
    assert not Narrative.objects.filter(pk=objs.narrative.pk).exists()
    event = AuditEvent.objects.filter(action="delete").latest("pk")
    assert event.data == {"campaign": objs.campaign.pk, "reason": "teller_asked"}
    assert "clinic" not in str(event.data) + event.summary  # no content in the log


def test_focus_group_deletion_removes_themes_and_quotes_and_logs_no_content(client_for, people):
    objs = consultation_objects(people)
    record = objs.focus_group
    record.themes.create(summary="Distance to the clinic")
    record.quotes.create(text="We walk three hours.", speaker_group="an older woman")
    client = client_for("rco")
    url = reverse("consultations:focus_group_delete", args=[record.pk])
    assert "Delete the record" in client.get(url).content.decode()
    response = client.post(url, {"reason": "identifying", "confirm": "yes"})
    assert response.status_code == 302
    assert not FocusGroup.objects.filter(pk=record.pk).exists()
    assert Withdrawal.objects.filter(kind="focus_group", reason="deleted").count() == 1
    event = AuditEvent.objects.filter(action="delete").latest("pk")
    assert event.data["reason"] == "identifying"
    assert "walk" not in str(event.data) + event.summary


@pytest.mark.parametrize(
    ("role", "expected"), [("partner_own", 403), ("partner_other", 404), ("unct", 404)]
)
def test_only_rco_staff_may_delete(client_for, people, role, expected):
    objs = consultation_objects(people)
    client = client_for(role)
    for name, pk in (
        ("consultations:narrative_delete", objs.narrative.pk),
        ("consultations:focus_group_delete", objs.focus_group.pk),
    ):
        url = reverse(name, args=[pk])
        assert client.get(url).status_code == expected
        assert client.post(url, {"reason": "other", "confirm": "yes"}).status_code == expected
    assert Narrative.objects.filter(pk=objs.narrative.pk).exists()
    assert FocusGroup.objects.filter(pk=objs.focus_group.pk).exists()


# --- focus-group editing ----------------------------------------------------------------------


def fg_post(**overrides):
    data = {
        "held_on": "2026-05-01",
        "place": "North",
        "languages": "en, fr",
        "consent_obtained": "verbal, by the facilitator",
        "questions": "What helps?",
        "consent_how": "verbal",
        "participants_total": "12",
        "women": "7",
        "men": "5",
        "other_sex": "0",
        "age_under_18": "0",
        "age_18_34": "4",
        "age_35_64": "5",
        "age_65_plus": "0",
        "age_not_said": "0",
        "with_disability": "2",
        "accommodations": ["accessible_venue", "sign_language"],
    }
    data.update(overrides)
    return data


def test_totals_that_disagree_are_refused_with_a_clear_error(client_for, people):
    objs = consultation_objects(people)
    client = client_for("partner_own")
    url = reverse("consultations:focus_group_edit", args=[objs.focus_group.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="women" value="6"' in form.content.decode()  # the record's counts
    response = client.post(url, fg_post())  # 12 by sex, 9 by age
    assert response.status_code == 400
    html = response.content.decode()
    assert "The counts by age add up to 9, but 12 people took part" in html
    objs.focus_group.refresh_from_db()
    assert objs.focus_group.participants == {"sex": {"female": 6}}
    response = client.post(url, fg_post(age_65_plus="3", with_disability="13"))
    assert "more than the 12 who took part" in response.content.decode()


def test_a_partner_edits_its_record_and_it_goes_back_to_review(client_for, people):
    objs = consultation_objects(people)
    services.submission_review(obj=objs.focus_group, status="approved", note="", user=people.rco)
    client = client_for("partner_own")
    url = reverse("consultations:focus_group_edit", args=[objs.focus_group.pk])
    response = client.post(url, fg_post(age_65_plus="3", place="North, near the river"))
    assert response.status_code == 302
    record = FocusGroup.objects.get(pk=objs.focus_group.pk)
    assert record.place == "North, near the river"
    assert record.participants["total"] == 12 and record.participants["age"]["65_plus"] == 3
    assert record.review_status == "pending"
    event = AuditEvent.objects.filter(action="change").latest("pk")
    assert "place" in event.data["fields"] and "North" not in str(event.data)
    # The detail page shows labels, not codes.
    html = client.get(record.get_absolute_url()).content.decode()
    assert "Accessible venue, Sign language" in html and "accessible_venue" not in html
    assert "English, French" in html
    assert "65 or older: 3" in html and "65_plus" not in html
    assert "Women / girls: 7" in html


@pytest.mark.parametrize(("role", "expected"), [("partner_other", 404), ("unct", 404)])
def test_others_cannot_edit_a_focus_group(client_for, people, role, expected):
    objs = consultation_objects(people)
    url = reverse("consultations:focus_group_edit", args=[objs.focus_group.pk])
    assert client_for(role).post(url, fg_post(age_65_plus="3")).status_code == expected


def test_a_new_focus_group_is_cross_checked_too(client_for, people):
    objs = consultation_objects(people)
    url = reverse("consultations:focus_group_new", args=[objs.campaign.pk])
    response = client_for("partner_own").post(url, fg_post(participants_total="9"))
    assert response.status_code == 200
    assert "The counts by sex add up to 12, but 9 people took part" in response.content.decode()


# --- labels, masking, messages ----------------------------------------------------------------


def test_story_and_campaign_pages_show_labels(client_for, people):
    objs = consultation_objects(people)
    objs.campaign.languages = ["en", "fr"]
    objs.campaign.save()
    Narrative.objects.filter(pk=objs.narrative.pk).update(age_band="35_49")
    client = client_for("rco")
    story = client.get(objs.narrative.get_absolute_url()).content.decode()
    assert "<dd>35–49</dd>" in story and "35_49" not in story
    campaign = client.get(objs.campaign.get_absolute_url()).content.decode()
    assert "<dd>English, French</dd>" in campaign


def test_review_list_masks_phone_numbers_and_e_mails(client_for, people):
    objs = consultation_objects(people)  # its story holds "+44 7700 900123"
    services.narrative_submit(
        instrument=objs.instrument,
        values={"story": "Write to amina.k@example.org for the list.", "title": "Ask Amina"},
        consent={"given": True, "how": "verbal"},
        channel="form",
        organisation=people.partner_org,
        user=people.partner_own,
    )
    html = (
        client_for("rco")
        .get(reverse("consultations:review_queue", args=[objs.campaign.pk]))
        .content.decode()
    )
    assert "7700 900123" not in html and "amina.k@example.org" not in html
    assert "[phone removed]" in html and "[email removed]" in html


def test_import_success_is_styled_as_success(client_for, people):
    objs = consultation_objects(people)
    upload = Upload.objects.create(
        campaign=objs.campaign,
        instrument=objs.instrument,
        organisation=people.partner_org,
        uploaded_by=people.partner_own,
        original_name="kobo.csv",
        status="imported",
        rows_imported=3,
        message="3 stories imported; 0 already in the portal were skipped.",
    )
    html = client_for("partner_own").get(upload.get_absolute_url()).content.decode()
    assert '<p class="message message-success" role="status">3 stories imported' in html
    failed = Upload.objects.create(
        campaign=objs.campaign,
        instrument=objs.instrument,
        organisation=people.partner_org,
        original_name="bad.csv",
        status="failed",
        message="Nothing was imported.",
    )
    html = client_for("partner_own").get(failed.get_absolute_url()).content.decode()
    assert '<p class="notice" role="status">Nothing was imported.' in html


def test_sign_in_page_uses_the_portal_layout_and_has_no_closed_sign_up_link(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'href="/static/css/portal.css"' in html and 'class="site-header"' in html
    assert 'class="button"' in html and 'class="field' in html
    assert reverse("account_signup") not in html and "sign up" not in html.lower()
    assert reverse("account_reset_password") in html


def test_sign_in_page_links_to_sign_up_when_it_is_open(client, monkeypatch):
    from accounts.adapters import PortalAccountAdapter

    monkeypatch.setattr(PortalAccountAdapter, "is_open_for_signup", lambda self, request: True)
    html = client.get(reverse("account_login")).content.decode()
    assert f'href="{reverse("account_signup")}"' in html


def _fills(svg: str) -> set[str]:
    return set(re.findall(r'fill="(#[0-9a-f]{6})"', svg))


def test_this_group_has_one_colour_in_ternary_plots_and_histograms():
    group = [(0.7, 0.2, 0.1)] * 6
    others = [(0.1, 0.1, 0.8)] * 6
    ternary = ternary_svg(others, labels=("a", "b", "c"), title="t", highlight=group)
    histogram = histogram_svg(
        [0, 6, 0],
        left_label="l",
        right_label="r",
        title="h",
        compare=[3, 0, 3],
        main_label="Rural women",
        compare_label="Everyone else",
    )
    # The group's squares in the ternary plot and its bars in the histogram share a colour;
    # everyone else is the other colour in both.
    assert f'<g fill="{THIS_GROUP}"' in ternary and f'<g fill="{MAIN}"' in ternary
    bars = re.findall(
        r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="(#\w+)"/>', histogram
    )
    assert bars[0] == THIS_GROUP and MAIN in bars
    legend = histogram[histogram.rindex("Rural women") - 200 : histogram.rindex("Rural women")]
    assert THIS_GROUP in legend
    alone = histogram_svg([0, 6, 0], left_label="l", right_label="r", title="h")
    assert THIS_GROUP not in _fills(alone)


def test_campaign_analysis_names_languages(client_for, people):
    objs = consultation_objects(people)
    for i in range(5):
        story, _code = services.narrative_submit(
            instrument=objs.instrument,
            values={"story": f"Story number {i}", "language": "fr"},
            consent={"given": True, "how": "verbal"},
            channel="form",
            organisation=people.partner_org,
            user=people.partner_own,
        )
        services.submission_review(obj=story, status="approved", note="", user=people.rco)
    url = reverse("consultations:campaign_analysis", args=[objs.campaign.pk])
    html = client_for("rco").get(url).content.decode()
    assert '<th scope="row">French</th>' in html and '<th scope="row">fr</th>' not in html


def test_without_a_number_of_participants_age_must_agree_with_sex(client_for, people):
    objs = consultation_objects(people)
    url = reverse("consultations:focus_group_new", args=[objs.campaign.pk])
    response = client_for("partner_own").post(url, fg_post(participants_total=""))
    assert response.status_code == 200  # 12 by sex, 9 by age
    assert "The counts by age add up to 9, but 12 people took part" in response.content.decode()
