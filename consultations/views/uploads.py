"""Partner uploads: the upload form, an upload's page (columns, mapping, preview, import)
and undoing an import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.policy import Action, actor_for
from common.i18n import render_messages, render_problems, render_stored

from ..ingest import DYAD_SCALES
from ..models import Campaign, Narrative, Upload
from ..uploads import upload_undo, upload_undo_blockers, upload_undo_days
from ._common import _partner_organisations


@login_required
def upload_new(request, pk: int):
    """A partner (or RCO staff on a partner's behalf) uploads a Kobo/ODK export."""
    from ..uploads import upload_store

    campaign = policy.get_object_or_404(request.user, Campaign, pk=pk)
    actor = actor_for(request.user)
    organisations = _partner_organisations(request.user, campaign) or (
        list(campaign.partners.all()) if actor.is_rco_staff else []
    )
    if not organisations:
        raise PermissionDenied
    instruments = list(campaign.instruments.all())
    errors = []
    if request.method == "POST":
        instrument = next(
            (i for i in instruments if str(i.pk) == request.POST.get("instrument")), None
        )
        organisation = next(
            (o for o in organisations if str(o.pk) == request.POST.get("organisation")), None
        )
        uploaded = request.FILES.get("file")
        how = request.POST.get("consent_how")
        if (
            instrument is None
            or organisation is None
            or uploaded is None
            or how not in ("verbal", "written", "self")
        ):
            errors.append(
                _("Choose the instrument, the organisation, how consent was given, and a file.")
            )
        else:
            try:
                upload = upload_store(
                    uploaded=uploaded,
                    instrument=instrument,
                    organisation=organisation,
                    user=request.user,
                    consent_how=how,
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                return redirect(upload)
    uploads = policy.scope(
        request.user, campaign.uploads.select_related("uploaded_by", "organisation"), Action.LIST
    )[:20]
    return render(
        request,
        "consultations/upload_new.html",
        {
            "campaign": campaign,
            "instruments": instruments,
            "organisations": organisations,
            "errors": errors,
            "uploads": uploads,
        },
        status=400 if errors else 200,
    )


@login_required
def upload_detail(request, pk: int):
    """An upload's state, from what the worker stored: the columns to map, the preview, the
    import's progress. Never opens the file; a running upload polls itself (htmx) and
    offers a reload link without JavaScript."""
    from ..models import Upload
    from ..uploads import (
        instrument_fields,
        person_message,
        progress_key,
        upload_discard,
        upload_import_start,
        upload_mapping_initial,
        upload_remap,
        upload_set_mapping,
    )

    upload = policy.get_object_or_404(
        request.user, Upload.objects.select_related("campaign", "instrument", "organisation"), pk=pk
    )
    problems: list[str] = []
    fields = instrument_fields(upload.instrument)
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "map":
            mapping = {
                f.key: [c for c in request.POST.getlist(f"map_{f.key}") if c] for f in fields
            }
            for f in fields:
                if f.kind == "dyad" and mapping.get(f.key):
                    scale = (request.POST.get(f"scale_{f.key}") or "").strip()
                    if scale == "other":
                        scale = (request.POST.get(f"scale_other_{f.key}") or "").strip()
                    mapping[f"{f.key}:scale"] = [scale] if scale else []
            mapping[":unit"] = [u for u in [request.POST.get("unit", "")] if u]
            mapping = {k: v for k, v in mapping.items() if v}
            problems = upload_set_mapping(upload=upload, mapping=mapping)
            if not problems:
                return redirect(upload)
        elif action == "import":
            upload_import_start(upload=upload, user=request.user)
            return redirect(upload)
        elif action == "remap":
            upload_remap(upload=upload)
            return redirect(upload)
        elif action == "discard":
            upload_discard(upload=upload)
            return redirect(upload)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(upload)
    columns = list(upload.columns) if upload.status == Upload.Status.MAPPING else []
    initial = upload_mapping_initial(upload) if upload.status == Upload.Status.MAPPING else {}
    signifiers = {s.key: s for s in upload.instrument.signifiers.all()}
    rows = [
        {
            "field": f,
            "label": _field_label(f, signifiers),
            "kind": str(_KINDS.get(f.kind, f.kind)),
            "selected": initial.get(f.key, []),
            "multiple": f.kind in ("triad", "multiple", "groups", "consent_uses"),
            "scale": (initial.get(f"{f.key}:scale") or [""])[0] if f.kind == "dyad" else None,
        }
        for f in fields
    ]
    return render(
        request,
        "consultations/upload_detail.html",
        {
            "upload": upload,
            "format_label": export_format_label(upload.export_format),
            # a refusal or the reading notes in the viewer's language (else as stored)
            "upload_message": person_message(
                upload, render_stored(upload.message, upload.message_data)
            ),
            "columns": columns,
            "rows": rows,
            # the mapping's problems and the rows' reasons in the viewer's language
            "problems": render_messages(problems),
            "row_problems": render_problems(upload.problems or []),
            "dyad_scales": DYAD_SCALES,
            "unit": (request.POST.getlist("unit") or initial.get(":unit") or [""])[0],
            "progress": cache.get(progress_key(upload)) or 0,
            "preview_rows": _preview_rows(upload),
            "sync_partial": _sync_partial(upload),
            "can_undo": upload.status == Upload.Status.IMPORTED
            and upload.campaign.country in actor_for(request.user).rco_countries,
        },
        status=400 if problems else 200,
    )


def _sync_partial(upload) -> dict | None:
    """For the preview of a connected sync's upload with rejected rows: how many submissions
    wait in the sync's queue, and why the accepted rows cannot be imported meanwhile ("" when
    they can). None for any other upload (imported whole or not at all)."""
    from ..sync import sync_import_refusal

    if upload.sync_id is None or not upload.problems:
        return None
    return {
        "sync": upload.sync_id,
        "waiting": len({str(p.get("key") or "")[:100] for p in upload.problems}),
        "refusal": sync_import_refusal(upload.problems),
    }


def _preview_rows(upload) -> list:
    """The preview's rows with labels, not codes ("Consent: yes; Groups: Rural women")."""
    from ..labels import preview_rows

    if not upload.preview:
        return []
    signifiers = list(upload.instrument.signifiers.all())
    questions = {s.key: s.question_text() or s.key for s in signifiers}
    # single and multiple choices: the choice's label in the reader's language, the code kept
    # beside it (a title attribute) for whoever compares with the file
    choices = {
        s.key: dict(zip(s.option_values(), s.label_texts(), strict=False))
        for s in signifiers
        if s.kind in (s.Kind.SINGLE, s.Kind.MULTIPLE)
    }
    result = []
    for raw, row in zip(upload.preview, preview_rows(upload.preview, questions), strict=False):
        items = []
        for (key, value), (label, text) in zip(raw.items(), row, strict=False):
            code = ""
            if key in choices and value not in (None, "", []):
                codes = [str(v) for v in value] if isinstance(value, list) else [str(value)]
                text = ", ".join(choices[key].get(c) or c for c in codes)
                code = ", ".join(codes)
            items.append((label, text, code))
        result.append(items)
    return result


_KINDS = {
    "story": gettext_lazy("free text"),
    "title": gettext_lazy("free text"),
    "text": gettext_lazy("free text"),
    "consent": gettext_lazy("yes / no"),
    "consent_uses": gettext_lazy("several choices"),
    "date": gettext_lazy("date"),
    "language": gettext_lazy("language"),
    "location": gettext_lazy("place"),
    "groups": gettext_lazy("several choices"),
    "age_band": gettext_lazy("age band"),
    "sex": gettext_lazy("one choice"),
    "single": gettext_lazy("one choice"),
    "multiple": gettext_lazy("several choices"),
    "dyad": gettext_lazy("slider between two ends"),
    "triad": gettext_lazy("triangle"),
}


def _field_label(field, signifiers: dict) -> str:
    """What a partner reads for a field: the instrument's question in the reader's language,
    else the field's name in words."""
    from ..labels import PREVIEW_FIELDS

    s = signifiers.get(field.key)
    if s is not None and s.question_text():
        return s.question_text()
    return str(PREVIEW_FIELDS.get(field.key) or field.key.replace("_", " ").capitalize())


def export_format_label(code: str) -> str:
    """The export format as a person names it ("KoboToolbox CSV export")."""
    names = {
        "kobo_csv": _("KoboToolbox CSV export"),
        "kobo_xlsx": _("KoboToolbox Excel export"),
        "odk_csv": _("ODK Central CSV export"),
        "odk_zip": _("ODK Central ZIP export"),
    }
    return str(names.get(code, code or "—"))


@login_required
def upload_undo_view(request, pk: int):
    """RCO staff of the campaign's country undo a whole upload: a confirmation page (how many
    stories go, or why it cannot be undone), then POST does it. The partner who uploaded sees
    the upload but may not undo it (403); anyone else gets 404."""
    upload = policy.get_object_or_404(
        request.user, Upload.objects.select_related("campaign", "organisation"), pk=pk
    )
    if upload.campaign.country not in actor_for(request.user).rco_countries:
        raise PermissionDenied
    if request.method == "POST":
        try:
            count = upload_undo(upload=upload, user=request.user, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("consultations:upload_undo", pk=upload.pk)
        messages.success(request, _("The import was undone: %(n)s stories deleted.") % {"n": count})
        return redirect(upload)
    return render(
        request,
        "consultations/upload_undo.html",
        {
            "upload": upload,
            "reasons": upload_undo_blockers(upload),
            "count": Narrative.objects.filter(source_upload=upload).count(),
            "days": upload_undo_days(),
        },
    )
