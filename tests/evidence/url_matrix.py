"""Role × URL entries for the group evidence pages."""

from tests.url_matrix_base import API_MEMBERS, MEMBERS, Entry, statuses

GROUP = {"slug": "migrants"}
# UNCT members and RCO staff write analyses, one URL per action. An empty form is a form
# error: the page is shown again with its errors (400), never a 500.
WRITE_POST = statuses(302, 403, 403, 400, 400)

MATRIX = {
    "evidence:priorities": Entry(MEMBERS),
    "evidence:circumstance_factors": Entry(MEMBERS),
    # RCO staff of the country change its rows of the circumstance → factor table.
    "evidence:circumstance_factor_delete": Entry(
        statuses(302, 403, 403, 403, 302),
        kwargs=lambda p: {"pk": _circumstance_row().pk},
        method="post",
    ),
    "evidence:group_page": Entry(MEMBERS, kwargs=lambda p: GROUP),
    "evidence:cause_add": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    # The UNCT member deletes the cause; RCO staff, asking next, find it gone.
    "evidence:cause_delete": Entry(
        statuses(302, 403, 403, 302, 404),
        kwargs=lambda p: {**GROUP, "pk": _cause().pk},
        method="post",
    ),
    "evidence:role_add": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    "evidence:capacity_gap_add": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    "evidence:action_add": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    "evidence:comment_add": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    "evidence:data_gap_assign": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    # Closing twice is refused with a message, back on the page.
    "evidence:data_gap_close": Entry(
        statuses(302, 403, 403, 302, 302),
        kwargs=lambda p: {**GROUP, "pk": _data_gap().pk},
        method="post",
    ),
    "evidence:summary_validate": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    "evidence:dossier": Entry(MEMBERS, kwargs=lambda p: GROUP),
    # Monitoring indicators: every member reads; UNCT and RCO of the country write.
    "evidence:monitoring": Entry(MEMBERS, kwargs=lambda p: GROUP),
    "evidence:monitoring_indicator_add": Entry(WRITE_POST, kwargs=lambda p: GROUP, method="post"),
    "evidence:monitoring_value_add": Entry(
        WRITE_POST, kwargs=lambda p: {**GROUP, "pk": _monitoring().pk}, method="post"
    ),
    # The UNCT member removes it; RCO staff, asking next, find it gone.
    "evidence:monitoring_indicator_delete": Entry(
        statuses(302, 403, 403, 302, 404),
        kwargs=lambda p: {**GROUP, "pk": _monitoring().pk},
        method="post",
    ),
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


def _data_gap():
    from evidence.models import DataGap

    return DataGap.objects.create(
        group=_group(), country="Demoland", stream="voice", description="No voice"
    )


def _monitoring():
    from evidence.models import MonitoringIndicator

    return MonitoringIndicator.objects.create(
        group=_group(), country="Demoland", name="Sanitation", source="manual", source_note="DHS"
    )


def _circumstance_row():
    from evidence.models import CircumstanceFactor

    return CircumstanceFactor.objects.create(
        circumstance="Village type", country="Demoland", factor="geography"
    )
