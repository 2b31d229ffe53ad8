"""Uploaded files (/media/…) served only through the access policy, in every setting.

A file is served only if it belongs to a record the person may see: every model with a
FileField is asked for a record whose field holds exactly this name, through
``policy.scope(user, …, VIEW)``. Anonymous visitors, other organisations and unknown names
all get 404, so the existence of a partner's raw export is never revealed. A model without a
policy rule is closed to everyone but superusers (the policy's default), so a new FileField
cannot open a hole. Files are always sent as attachments, never rendered inline.
"""

from __future__ import annotations

import mimetypes
from functools import cache

from django.apps import apps
from django.db import models
from django.http import FileResponse, Http404
from django.views.decorators.cache import never_cache

from accounts import policy
from accounts.policy import Action


@cache
def _file_fields() -> tuple[tuple[type[models.Model], str], ...]:
    return tuple(
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    )


def owner_of(user, name: str) -> tuple[models.Model, str] | None:
    """The record (and its field) that holds the file ``name`` and that ``user`` may see."""
    for model, field in _file_fields():
        if not model._default_manager.filter(**{field: name}).exists():
            continue
        obj = policy.scope(user, model._default_manager.filter(**{field: name}), Action.VIEW)
        obj = obj.first()
        if obj is not None and policy.can(user, Action.VIEW, obj):
            return obj, field
    return None


@never_cache
def media_download(request, path: str):
    if not request.user.is_authenticated or not path or ".." in path.split("/"):
        raise Http404
    found = owner_of(request.user, path)
    if found is None:
        raise Http404
    obj, field = found
    fieldfile = getattr(obj, field)
    try:
        handle = fieldfile.storage.open(fieldfile.name, "rb")  # streamed from any storage
    except FileNotFoundError:
        raise Http404 from None
    download_name = getattr(obj, "original_name", "") or path.rsplit("/", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name,
        content_type=mimetypes.guess_type(download_name)[0] or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
