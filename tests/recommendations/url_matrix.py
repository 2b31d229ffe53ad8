"""Who may open each page of the recommendations tracker (merged into tests/test_url_matrix)."""

from tests.url_matrix_base import (
    API_MEMBERS,
    API_RCO_OBJECT,
    MEMBERS,
    PUBLIC,
    RCO_OBJECT,
    RCO_ONLY,
    READ_ONLY_POST,
    STEWARD_ONLY,
    Entry,
    statuses,
)

from .factories import tracker

RCO_EDIT = statuses(302, 403, 403, 403, 200)  # visible to every member, changed by RCO staff
TRACKERS = statuses(302, 403, 403, 200, 200)  # RCO staff and UNCT members (assigned)
STAFF_OBJECT = statuses(302, 404, 404, 200, 200)  # partners do not see staff records


def published(p):
    return {"pk": tracker(p).published.pk}


def on_published(p):
    return {"kind": "recommendation", "pk": tracker(p).published.pk}


MATRIX = {
    "recommendations:index": Entry(MEMBERS),
    "recommendations:export": Entry(MEMBERS, kwargs=lambda p: {"fmt": "csv"}),
    "recommendations:dashboard": Entry(MEMBERS),
    "recommendations:detail": Entry(MEMBERS, kwargs=published),
    "recommendations:edit": Entry(RCO_EDIT, kwargs=published),
    "recommendations:publish": Entry(READ_ONLY_POST, kwargs=published, method="post"),
    "recommendations:action_create": Entry(TRACKERS, kwargs=on_published),
    "recommendations:action_edit": Entry(TRACKERS, kwargs=lambda p: {"pk": tracker(p).action.pk}),
    # official for RCO staff and assigned UNCT members; shadow for CSO partners
    "recommendations:assessment_create": Entry(MEMBERS, kwargs=on_published),
    # a partner's shadow assessment is changed by that partner only
    "recommendations:assessment_edit": Entry(
        statuses(302, 200, 403, 403, 403), kwargs=lambda p: {"pk": tracker(p).shadow.pk}
    ),
    "recommendations:indicator_create": Entry(RCO_EDIT, kwargs=on_published),
    "recommendations:indicator_list": Entry(TRACKERS),
    "recommendations:indicator_report": Entry(
        statuses(302, 404, 404, 403, 302),
        kwargs=lambda p: {"pk": tracker(p).indicator.pk},
        method="post",
    ),
    "recommendations:import_list": Entry(RCO_ONLY),
    "recommendations:import_template": Entry(RCO_ONLY, kwargs=lambda p: {"fmt": "xlsx"}),
    "recommendations:import_detail": Entry(RCO_OBJECT, kwargs=lambda p: {"pk": tracker(p).job.pk}),
    "recommendations:import_confirm": Entry(
        statuses(302, 404, 404, 404, 302),
        kwargs=lambda p: {"pk": tracker(p).job.pk},
        method="post",
    ),
    "recommendations:import_retry": Entry(
        statuses(302, 404, 404, 404, 302),
        kwargs=lambda p: {"pk": tracker(p).job.pk},
        method="post",
    ),
    "recommendations:import_undo": Entry(RCO_OBJECT, kwargs=lambda p: {"pk": tracker(p).job.pk}),
    "recommendations:theme_list": Entry(MEMBERS),
    "recommendations:theme_edit": Entry(
        STEWARD_ONLY, kwargs=lambda p: {"pk": _theme(p)}, method="post"
    ),
    "recommendations:cluster_list": Entry(MEMBERS),
    "recommendations:cluster_create": Entry(RCO_ONLY),
    "recommendations:cluster_suggestions": Entry(RCO_ONLY),
    "recommendations:cluster_confirm": Entry(READ_ONLY_POST, method="post"),
    "recommendations:cluster_detail": Entry(
        MEMBERS, kwargs=lambda p: {"pk": tracker(p).cluster.pk}
    ),
    "recommendations:cluster_edit": Entry(RCO_EDIT, kwargs=lambda p: {"pk": tracker(p).cluster.pk}),
    "recommendations:institution_list": Entry(TRACKERS),
    "recommendations:institution_create": Entry(RCO_ONLY),
    "recommendations:institution_detail": Entry(
        STAFF_OBJECT, kwargs=lambda p: {"pk": tracker(p).institution.pk}
    ),
    "recommendations:institution_edit": Entry(
        statuses(302, 404, 404, 403, 200), kwargs=lambda p: {"pk": tracker(p).institution.pk}
    ),
    "recommendations:public_detail": Entry(PUBLIC, kwargs=published),
    "recommendations:public_cluster": Entry(PUBLIC, kwargs=lambda p: {"pk": tracker(p).cluster.pk}),
    # API
    "api:recommendation-import-list": Entry(API_MEMBERS),
    "api:recommendation-import-detail": Entry(
        API_RCO_OBJECT, kwargs=lambda p: {"pk": tracker(p).job.pk}
    ),
    "api:recommendation-import-confirm": Entry(
        statuses(401, 404, 404, 404, 400), kwargs=lambda p: {"pk": tracker(p).job.pk}, method="post"
    ),
    "api:recommendation-import-undo": Entry(
        statuses(401, 404, 404, 404, 400), kwargs=lambda p: {"pk": tracker(p).job.pk}, method="post"
    ),
    "api:recommendation-list": Entry(API_MEMBERS),
    "api:recommendation-detail": Entry(API_MEMBERS, kwargs=published),
    "api:recommendation-cluster-list": Entry(API_MEMBERS),
    "api:recommendation-cluster-detail": Entry(
        API_MEMBERS, kwargs=lambda p: {"pk": tracker(p).cluster.pk}
    ),
    "api:institution-list": Entry(API_MEMBERS),
    "api:institution-detail": Entry(
        statuses(401, 404, 404, 200, 200), kwargs=lambda p: {"pk": tracker(p).institution.pk}
    ),
    "api:recommendation-action-list": Entry(API_MEMBERS),
    "api:recommendation-action-detail": Entry(
        API_MEMBERS, kwargs=lambda p: {"pk": tracker(p).action.pk}
    ),
    "api:recommendation-assessment-list": Entry(API_MEMBERS),
    "api:recommendation-assessment-detail": Entry(
        API_MEMBERS, kwargs=lambda p: {"pk": tracker(p).shadow.pk}
    ),
}


def _theme(p):
    from recommendations.models import Theme

    return Theme.objects.get_or_create(name="Right to education")[0].pk
