"""A change in a stream marks stale only the summaries of the groups it touches, in its
country, and enqueues their refresh (``refresh.mark_stale``). The streams know nothing of
this app; their models are named here by label (lazy senders), never imported, and read by
their public fields only.

- a story or focus group: its groups (a new one waiting for review is not evidence yet);
- a quote: its focus group's groups;
- a recommendation or its official assessment: the recommendation's groups;
- a leaf link: its group, once the run is published;
- a run: the groups of its leaf links, when it is (or was) published — a queued or failed
  run's status changes touch nothing.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from consultations.signals import submissions_imported

from .refresh import mark_stale, voice_changed


def _group_ids(obj) -> list[int]:
    return list(obj.groups.values_list("pk", flat=True)) if obj is not None and obj.pk else []


def _pending_new(instance, kwargs) -> bool:
    return getattr(instance, "review_status", None) == "pending" and kwargs.get("created")


def submission_changed(sender, instance, **kwargs) -> None:
    """A story or a focus-group record."""
    if _pending_new(instance, kwargs):
        return
    if hasattr(instance, "answers"):  # a story: its signifier answers count country-wide
        voice_changed(instance.campaign.country)
    mark_stale(instance.campaign.country, _group_ids(instance))


def quote_changed(sender, instance, **kwargs) -> None:
    record = instance.focus_group
    mark_stale(record.campaign.country, _group_ids(record))


def recommendation_changed(sender, instance, **kwargs) -> None:
    mark_stale(instance.country, _group_ids(instance))


def assessment_changed(sender, instance, **kwargs) -> None:
    if instance.recommendation_id and instance.kind == "official":
        recommendation = instance.recommendation
        mark_stale(recommendation.country, _group_ids(recommendation))


def link_changed(sender, instance, **kwargs) -> None:
    run = type(instance).run.field.related_model.objects.filter(pk=instance.run_id).first()
    if run is not None and run.published:
        mark_stale(run.dataset.country, [instance.group_id])


def run_before_save(sender, instance, **kwargs) -> None:
    instance._was_published = bool(
        instance.pk and sender.objects.filter(pk=instance.pk, published=True).exists()
    )


def run_changed(sender, instance, **kwargs) -> None:
    if instance.published or getattr(instance, "_was_published", False):
        groups = instance.group_links.values_list("group_id", flat=True) if instance.pk else []
        mark_stale(instance.dataset.country, list(groups))


def tags_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Groups, SDG targets, themes or factors of a story, focus group or recommendation."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # changed from the other side (e.g. a group's stories): touch those groups
        if hasattr(instance, "intersections"):
            mark_stale(None, [instance.pk])
        return
    if getattr(instance, "review_status", None) == "pending":
        return
    country = instance.country if hasattr(instance, "country") else instance.campaign.country
    groups = set(_group_ids(instance))
    if sender is type(instance).groups.through:
        groups |= set(pk_set or ())
    mark_stale(country, groups)


def uploaded(sender, upload, **kwargs) -> None:
    """A partner upload stored stories in bulk (no post_save): the groups of its stories."""
    stories = upload.campaign.narratives.filter(source_upload=upload)
    voice_changed(upload.campaign.country)
    mark_stale(
        upload.campaign.country,
        set(stories.exclude(groups=None).values_list("groups", flat=True)),
    )


def _connect() -> None:
    for label in ("consultations.Narrative", "consultations.FocusGroup"):
        post_save.connect(submission_changed, sender=label, dispatch_uid=f"ev-save-{label}")
        pre_delete.connect(submission_changed, sender=label, dispatch_uid=f"ev-del-{label}")
    post_save.connect(quote_changed, sender="consultations.Quote", dispatch_uid="ev-save-quote")
    post_delete.connect(quote_changed, sender="consultations.Quote", dispatch_uid="ev-del-quote")
    label = "recommendations.Recommendation"
    post_save.connect(recommendation_changed, sender=label, dispatch_uid="ev-save-rec")
    pre_delete.connect(recommendation_changed, sender=label, dispatch_uid="ev-del-rec")
    label = "recommendations.Assessment"
    post_save.connect(assessment_changed, sender=label, dispatch_uid="ev-save-assessment")
    post_delete.connect(assessment_changed, sender=label, dispatch_uid="ev-del-assessment")
    label = "analysis.LeafGroupLink"
    post_save.connect(link_changed, sender=label, dispatch_uid="ev-save-link")
    post_delete.connect(link_changed, sender=label, dispatch_uid="ev-del-link")
    pre_save.connect(run_before_save, sender="analysis.Run", dispatch_uid="ev-presave-run")
    post_save.connect(run_changed, sender="analysis.Run", dispatch_uid="ev-save-run")
    pre_delete.connect(run_changed, sender="analysis.Run", dispatch_uid="ev-del-run")
    for through in (
        "consultations.Narrative_groups",
        "consultations.Narrative_sdg_targets",
        "consultations.Narrative_themes",
        "consultations.Narrative_factors",
        "consultations.FocusGroup_groups",
        "recommendations.Recommendation_groups",
        "recommendations.Recommendation_sdg_goals",
        "recommendations.Recommendation_sdg_targets",
        "recommendations.Recommendation_factors",
    ):
        m2m_changed.connect(tags_changed, sender=through, dispatch_uid=f"ev-m2m-{through}")
    submissions_imported.connect(uploaded, dispatch_uid="ev-import")


_connect()
