"""Partner sync from the web: a partner (or RCO staff of the campaign's country) connects a
KoboToolbox project or an ODK Central form to an instrument, pulls it now, pauses, resumes
or disconnects it, and follows the submissions whose rows the checks rejected until they are
fixed at the source. A partner sees only its own organisation's syncs; anyone else gets 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from accounts import policy
from accounts.models import Organisation, Role
from accounts.policy import Action, actor_for
from common.i18n import render_message, render_problems
from common.messages import from_data

from ..forms import PartnerSyncForm, PartnerSyncLoginForm
from ..models import Campaign, PartnerSync, SyncRowIssue
from ..sync import (
    SyncError,
    SyncExists,
    partner_sync_delete,
    partner_sync_probe,
    partner_sync_replace_login,
    partner_sync_save,
    partner_sync_set_active,
    pull_stamp,
    server_address_check,
    sync_import_refusal,
    sync_issues_fixed,
    sync_issues_waiting,
)
from ..tasks import partner_sync_pull_task


def _sync_organisations(user, campaign) -> list[int]:
    """The partner organisations whose syncs the viewer manages in this campaign: their own
    invited ones, or (RCO staff of its country) every partner. Nobody else has any."""
    actor = actor_for(user)
    own = actor.organisations_with_role(Role.CSO_PARTNER)
    partners = list(campaign.partners.values_list("pk", flat=True))
    if actor.is_superuser or campaign.country in actor.rco_countries:
        return partners
    return [pk for pk in partners if pk in own]


@sensitive_variables()
def _connect(request, form: PartnerSyncForm) -> PartnerSync | None:
    """Check the address, then that the token may read the form, then save; each failure
    becomes an error on the form (the address on its field, the server's answer on top)."""
    data = form.cleaned_data
    ids = {
        "asset_uid": data["asset_uid"] if data["kind"] == "kobo" else "",
        "project_id": data["project_id"] if data["kind"] == "odk" else None,
        "form_id": data["form_id"] if data["kind"] == "odk" else "",
    }
    login = {"token": data.get("token") or ""}
    if data["kind"] == "odk" and data.get("email"):
        login = {"email": data["email"], "password": data.get("password") or ""}
    try:
        server_address_check(data["server"], allow_private=settings.PARTNER_SYNC_ALLOW_PRIVATE)
    except SyncError as exc:
        written_with_login = "@" in data["server"]
        form.add_error("server", render_message(exc.message))
        if written_with_login:
            form.data = form.data.copy()
            form.data["server"] = ""  # a password written into it is not sent back
        return None
    try:
        # Refused credentials or a wrong id are said now, on the form, not at the first pull.
        partner_sync_probe(kind=data["kind"], server=data["server"], **login, **ids)
        return partner_sync_save(
            instrument=data["instrument"],
            organisation=data["organisation"],
            kind=data["kind"],
            server=data["server"],
            user=request.user,
            **login,
            **ids,
        )
    except SyncExists as exc:
        messages.info(
            request,
            _(
                "This form was already connected for this organisation and instrument; here "
                "it is. To give a new token or password, use “Replace the token” below."
            ),
        )
        exc.sync.already_connected = True
        return exc.sync
    except SyncError as exc:
        form.add_error(None, render_message(exc.message))
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    except PermissionDenied:
        form.add_error("organisation", _("This organisation is not a partner of the campaign."))
    return None


@sensitive_post_parameters("token", "password", "email")
@login_required
def sync_list(request, pk: int):
    """A campaign's connected forms (those the viewer may list) and the form to connect one."""
    campaign = policy.get_object_or_404(request.user, Campaign, pk=pk)
    org_ids = _sync_organisations(request.user, campaign)
    if not org_ids:
        raise Http404  # UNCT members and partners not invited see no syncs
    organisations = Organisation.objects.filter(pk__in=org_ids).order_by("name")
    instruments = campaign.instruments.order_by("pk")
    form = PartnerSyncForm(
        request.POST or None, instruments=instruments, organisations=organisations
    )
    if request.method == "POST" and form.is_valid():
        sync = _connect(request, form)
        if sync is not None and not getattr(sync, "already_connected", False):
            messages.success(
                request,
                _(
                    "Connected. Pull now to bring its submissions; after that it is pulled "
                    "every hour."
                ),
            )
        if sync is not None:
            return redirect("consultations:sync_detail", pk=sync.pk)
    syncs = list(
        policy.scope(request.user, PartnerSync.objects.filter(campaign=campaign), Action.LIST)
        .filter(organisation__in=org_ids)
        .select_related("instrument", "organisation")
        .order_by("-created_at")
    )
    # Waiting submissions counted among those the viewer may list, one query for the page.
    waiting = dict(
        policy.scope(
            request.user,
            SyncRowIssue.objects.filter(sync__in=syncs, resolved_at__isnull=True),
            Action.LIST,
        )
        .order_by()
        .values("sync")
        .annotate(n=Count("pk"))
        .values_list("sync", "n")
    )
    for sync in syncs:
        sync.waiting = waiting.get(sync.pk, 0)
        sync.shown_message = last_message(sync)
    return render(
        request,
        "consultations/sync_list.html",
        {"campaign": campaign, "syncs": syncs, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def last_message(sync: PartnerSync) -> str:
    """The outcome of the sync's last pull in the viewer's language."""
    return render_message(from_data(sync.last_message, sync.last_message_data))


def _issues_shown(issues) -> list[SyncRowIssue]:
    """Queue entries with their reasons in the viewer's language (``shown_reasons``)."""
    issues = list(issues)
    shown = render_problems(
        {"reasons": issue.reasons, "messages": issue.reason_data} for issue in issues
    )
    for issue, problem in zip(issues, shown, strict=True):
        issue.shown_reasons = problem["reasons"]
    return issues


def _own_sync(request, pk: int, action=Action.VIEW) -> PartnerSync:
    sync = policy.get_object_or_404(
        request.user,
        PartnerSync.objects.select_related("campaign", "instrument", "organisation", "last_upload"),
        action,
        pk=pk,
    )
    if sync.organisation_id not in _sync_organisations(request.user, sync.campaign):
        raise Http404
    return sync


@login_required
def sync_detail(request, pk: int):
    """One connected form: its last pull, "Pull now", pause/resume, and the submissions that
    wait for a fix at the source. POST ``action`` = pull | pause | resume."""
    if request.method == "POST":
        sync = _own_sync(request, pk, Action.CHANGE)
        action = request.POST.get("action")
        if action == "pull":
            seen = request.POST.get("seen")
            if sync.pulling_since is not None:
                messages.warning(request, _("A pull of this form is already running."))
            elif seen is not None and sync.last_pulled_at and seen != pull_stamp(sync):
                # a second click, or a second tab: the task would pull nothing (it checks too)
                when = timezone.localtime(sync.last_pulled_at)
                messages.warning(
                    request,
                    _("This form was pulled at %(when)s already; its result is shown below.")
                    % {"when": date_format(when, "SHORT_DATETIME_FORMAT")},
                )
            else:
                user_id = request.user.pk
                transaction.on_commit(lambda: partner_sync_pull_task.delay(sync.pk, user_id, seen))
                messages.success(
                    request,
                    _(
                        "Pull started. It runs in the background; reload this page to see "
                        "its result below."
                    ),
                )
        elif action in ("pause", "resume"):
            partner_sync_set_active(
                sync=sync, active=action == "resume", user=request.user, request=request
            )
            messages.success(
                request,
                _("Paused: it is no longer pulled every hour.")
                if action == "pause"
                else _("Resumed: it is pulled every hour again."),
            )
        return redirect("consultations:sync_detail", pk=sync.pk)
    sync = _own_sync(request, pk)
    upload = sync.last_upload
    keyless = (
        sum(1 for p in upload.problems or [] if not p.get("key"))
        if upload is not None and policy.can(request.user, Action.VIEW, upload)
        else 0
    )
    return render(
        request,
        "consultations/sync_detail.html",
        {
            "sync": sync,
            "campaign": sync.campaign,
            "upload": upload,
            "stamp": pull_stamp(sync),
            # its accepted stories can be imported while the rejected ones wait
            "importable": upload is not None
            and upload.status == upload.Status.PREVIEW
            and upload.rows_ok
            and (
                not upload.problems
                or upload.sync_id == sync.pk
                and not sync_import_refusal(upload.problems)
            ),
            "last_message": last_message(sync),
            "waiting": _issues_shown(sync_issues_waiting(request.user, sync)),
            "fixed": list(sync_issues_fixed(request.user, sync)),
            "keyless": keyless,
            "login_form": PartnerSyncLoginForm(),
        },
    )


@sensitive_post_parameters("token", "password", "email")
@login_required
def sync_login(request, pk: int):
    """Replace a sync's token (or ODK Central e-mail and password): POST only, checked
    against the server before it replaces the stored one; never shown."""
    sync = _own_sync(request, pk, Action.CHANGE if request.method == "POST" else Action.VIEW)
    if request.method != "POST":
        return redirect("consultations:sync_detail", pk=sync.pk)
    form = PartnerSyncLoginForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("consultations:sync_detail", pk=sync.pk)
    try:
        partner_sync_replace_login(sync=sync, user=request.user, **form.cleaned_data)
    except SyncError as exc:
        messages.error(request, render_message(exc.message))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The server accepted the new sign-in; it replaces the old one.")
        )
    return redirect("consultations:sync_detail", pk=sync.pk)


@login_required
def sync_delete(request, pk: int):
    """Disconnect a form: a confirmation page, then POST deletes the sync and its token."""
    sync = _own_sync(request, pk, Action.DELETE if request.method == "POST" else Action.VIEW)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the disconnection."))
            return redirect("consultations:sync_delete", pk=sync.pk)
        campaign_pk = sync.campaign_id
        partner_sync_delete(sync=sync, user=request.user, request=request)
        messages.success(request, _("Disconnected; its token was deleted."))
        return redirect(reverse("consultations:sync_list", args=[campaign_pk]))
    return render(
        request, "consultations/sync_delete.html", {"sync": sync, "campaign": sync.campaign}
    )
