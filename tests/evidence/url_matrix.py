"""Role × URL entries for the group evidence pages."""

from tests.url_matrix_base import API_MEMBERS, MEMBERS, Entry, statuses

GROUP = {"slug": "migrants"}
WRITE_POST = statuses(302, 403, 403, 302, 302)  # UNCT members and RCO staff write analyses

MATRIX = {
    "evidence:priorities": Entry(MEMBERS),
    "evidence:group_page": Entry(MEMBERS, kwargs=lambda p: GROUP),
    "evidence:group_edit": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    "evidence:dossier": Entry(MEMBERS, kwargs=lambda p: GROUP),
    "evidence:dossier_docx": Entry(MEMBERS, kwargs=lambda p: GROUP),
    "api:evidence-list": Entry(API_MEMBERS),
    "api:evidence-detail": Entry(API_MEMBERS, kwargs=lambda p: GROUP),
    "api:cause-list": Entry(API_MEMBERS),
    "api:cause-detail": Entry(
        statuses(401, 200, 200, 200, 200), kwargs=lambda p: {"pk": _cause().pk}
    ),
    "api:role-list": Entry(API_MEMBERS),
    "api:role-detail": Entry(API_MEMBERS, kwargs=lambda p: {"pk": _role().pk}),
    "api:lnob-action-list": Entry(API_MEMBERS),
    "api:lnob-action-detail": Entry(API_MEMBERS, kwargs=lambda p: {"pk": _action().pk}),
}


def _group():
    from taxonomy.models import PopulationGroup

    return PopulationGroup.objects.get(slug="migrants")


def _cause():
    from evidence.models import Cause

    return Cause.objects.create(
        group=_group(), country="Demoland", level="manifestation", text="Left behind"
    )


def _role():
    from evidence.models import RoleEntry

    return RoleEntry.objects.create(
        group=_group(),
        country="Demoland",
        kind="duty_bearer",
        name="Ministry",
        claims_or_obligations="Protect",
    )


def _action():
    from evidence.models import GroupAction

    return GroupAction.objects.create(
        group=_group(), country="Demoland", title="Act", kind="advocacy", owner="UN"
    )
