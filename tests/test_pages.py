"""What a person sees: the home page by role, the language switcher, accessible forms."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse


def test_home_explains_the_portal_to_anonymous_visitors(client, db):
    html = client.get("/").content.decode()
    assert "Who is left behind" in html and "Sign in" in html
    assert "What your role lets you do" not in html


@pytest.mark.parametrize(
    "role,shown,hidden",
    [
        ("partner_own", "Submit stories", "Curate the shared vocabularies"),
        ("unct", "Read reviewed evidence", "Submit stories"),
        ("rco", "Curate the shared vocabularies", "Read reviewed evidence"),
    ],
)
def test_home_says_what_each_role_may_do(client_for, role, shown, hidden):
    html = client_for(role).get("/").content.decode()
    assert shown in html and hidden not in html


def test_navigation_reaches_every_section(client_for):
    html = client_for("unct").get("/").content.decode()
    for name in (
        "consultations:index",
        "recommendations:index",
        "analysis:index",
        "evidence:index",
    ):
        assert f'href="{reverse(name)}"' in html
    assert reverse("accounts:audit_log") not in html  # RCO-only link hidden from others


def test_language_switcher_changes_the_interface(client, db):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert 'lang="fr"' in html and "Aller au contenu principal" in html
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert "Saltar al contenido principal" in client.get("/").content.decode()


class _FormAudit(HTMLParser):
    """Collects form controls, labels, headings and external asset references."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.headings, self.assets = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(int(tag[1]))
        for attr in ("src", "href"):
            if tag in ("script", "link", "img") and a.get(attr):
                self.assets.append(a[attr])


PAGES = [
    ("anonymous", "home", {}),
    ("anonymous", "account_login", {}),
    ("anonymous", "account_reset_password", {}),
    ("rco", "home", {}),
    ("rco", "accounts:profile", {}),
    ("rco", "accounts:audit_log", {}),
    ("rco", "taxonomy:group_create", {}),
    ("rco", "taxonomy:group_list", {}),
    ("rco", "taxonomy:sdg_goal_detail", {"number": 16}),
    ("rco", "accounts:organisation_detail", None),
    ("unct", "evidence:index", {}),
    ("rco", "consultations:campaign_create", {}),
    ("rco", "analysis:dataset_upload", {}),
    ("rco", "recommendations:index", {}),
    ("unct", "recommendations:dashboard", {}),
    ("anonymous", "consultations:withdraw", {}),
    ("unct", "evidence:priorities", {}),
]

# Pages that need objects: (role, url name, kwargs builder)
OBJECT_PAGES = [
    (
        "partner_own",
        "consultations:narrative_new",
        lambda p, o: {"pk": o.instrument.pk, "org": p.partner_org.pk},
    ),
    ("anonymous", "consultations:public_tell", lambda p, o: {"token": o.campaign.public_token}),
    ("rco", "consultations:narrative_detail", lambda p, o: {"pk": o.narrative.pk}),
    ("rco", "consultations:campaign_detail", lambda p, o: {"pk": o.campaign.pk}),
    ("rco", "consultations:campaign_analysis", lambda p, o: {"pk": o.campaign.pk}),
    ("rco", "consultations:instrument_detail", lambda p, o: {"pk": o.instrument.pk}),
    ("rco", "consultations:focus_group_new", lambda p, o: {"pk": o.campaign.pk}),
    (
        "rco",
        "consultations:signifier_edit",
        lambda p, o: {"pk": o.instrument.signifiers.first().pk},
    ),
    (
        "rco",
        "consultations:signifier_delete",
        lambda p, o: {"pk": o.instrument.signifiers.first().pk},
    ),
    ("rco", "consultations:instrument_preview", lambda p, o: {"pk": o.instrument.pk}),
    ("unct", "evidence:group_page", lambda p, o: {"slug": "migrants"}),
    ("rco", "analysis:run_detail", lambda p, o: {"pk": _run().pk}),
]


def _run():
    from tests.factories import run_with_result

    return run_with_result(published=True)


@pytest.mark.parametrize("role,name,kwargs", PAGES + OBJECT_PAGES)
def test_pages_are_accessible_and_self_contained(
    client_for, people, vocabularies, role, name, kwargs
):
    from tests.consultations.factories import consultation_objects

    if kwargs is None:
        kwargs = {"pk": people.partner_org.pk}
    elif callable(kwargs):
        kwargs = kwargs(people, consultation_objects(people))
    response = client_for(role).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    html = response.content.decode()
    audit = _FormAudit()
    audit.feed(html)
    unlabeled = [
        c for c in audit.controls if c.get("id") not in audit.label_for and not c.get("aria-label")
    ]
    assert not unlabeled, f"controls without a label: {unlabeled}"
    assert audit.headings and audit.headings[0] == 1, "the page starts with an h1"
    for previous, current in zip(audit.headings, audit.headings[1:], strict=False):
        assert current <= previous + 1, f"heading levels skip: {audit.headings}"
    external = [u for u in audit.assets if u.startswith(("http:", "https:", "//"))]
    assert not external, f"assets from outside the portal: {external}"
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
