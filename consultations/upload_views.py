"""Pages of the partner-upload path that are not the upload form itself: undoing an import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import policy
from accounts.policy import actor_for

from .models import Narrative, Upload
from .uploads import upload_undo, upload_undo_blockers, upload_undo_days


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
