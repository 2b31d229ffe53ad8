"""Pull submissions from a partner's KoboToolbox project or ODK Central form, instead of an
upload: the rows arrive as the export the partner would have downloaded (a Kobo CSV, an ODK
Central CSV) and go through the very same upload pipeline (inspect → the partner's saved
mapping → every row checked → preview), so nothing reaches the portal without the checks
and the partner's confirmation of an upload.

* KoboToolbox (kpi v2): ``GET {server}/api/v2/assets/{uid}/data/?format=json`` with
  ``Authorization: Token <API token>``; pages are ``{"count", "next", "previous",
  "results"}`` and are followed by ``next`` until it is null. Each result is flat, keyed by
  the question's full group path (``story_group/story``), with ``_uuid``,
  ``meta/rootUuid``, ``_submission_time``…
* ODK Central (OData): ``GET {server}/v1/projects/{id}/forms/{xmlFormId}.svc/Submissions``
  with ``Authorization: Bearer <token>``; a page is ``{"value": [...],
  "@odata.nextLink": ...}``; groups are nested objects (``{"story_group": {"story": ...}}``),
  the instance id is ``__id`` and the submission metadata is under ``__system``.

Repeat groups are not pulled (a Kobo repeat is a nested list, an ODK one a separate OData
table): map the main questions, or upload the XLSX/ZIP export for repeats. The token is
used for the request only: it is never stored here, logged or shown in a message.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

#: How many pages a pull follows at most (a loop in ``next`` links must end).
MAX_PAGES = 10_000
TIMEOUT = 60


class SyncError(Exception):
    """The server could not be read; the message is for a person (never holds the token)."""


def _origin(url: str) -> tuple[str, str]:
    parsed = urllib.parse.urlsplit(url)
    return parsed.scheme.lower(), parsed.netloc.lower()


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only on the same scheme and host: the Authorization header (the
    partner's token) would otherwise be forwarded to whatever host the server names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(urllib.parse.urljoin(req.full_url, newurl)) != _origin(req.full_url):
            return None  # not followed: urllib raises the HTTPError (the 30x) instead
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_SameOriginRedirects)


def server_address_check(server: str, *, allow_private: bool = False) -> None:
    """Refuse a server whose name resolves to this machine or an internal network (loopback,
    link-local such as a cloud's metadata service at 169.254.169.254, private ranges), so a
    sync cannot be pointed at services only the portal can reach. A deployment whose partners
    run ODK Central inside the same private network sets PARTNER_SYNC_ALLOW_PRIVATE.
    (Checked when a sync is saved and before each pull; a name that changes its address in
    between is a residual risk, bounded by the pull reading JSON only.)"""
    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SyncError("Give the server's address, e.g. https://kf.kobotoolbox.org.")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise SyncError(f"The server name “{parsed.hostname}” could not be found.") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise SyncError(
                f"“{parsed.hostname}” is an address inside this network ({address}); the "
                "portal only pulls from servers on the internet."
            )


def _next_page(url, server: str) -> str | None:
    """A page's next link, only when it stays on the partner's server (the token goes with it)."""
    if not url:
        return None
    if _origin(url) != _origin(server):
        raise SyncError("The server's next page is on another host; the pull was stopped.")
    return url


def _get_json(url: str, *, authorization: str) -> dict:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https"):
        raise SyncError(f"Only http(s) servers can be synced, not “{parsed.scheme}”.")
    request = urllib.request.Request(
        url, headers={"Authorization": authorization, "Accept": "application/json"}
    )
    # Never the user:password@ a person may have written into the address.
    where = f"{parsed.scheme}://{parsed.netloc.rpartition('@')[2]}"
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise SyncError(
                f"{where} refused the token (HTTP {error.code}). Create a new API token on the "
                "server and save it again."
            ) from None
        if error.code == 404:
            raise SyncError(
                f"{where} has no such project or form (HTTP 404). Check its id."
            ) from None
        raise SyncError(f"{where} answered HTTP {error.code}; try again later.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SyncError(f"{where} could not be reached ({reason}).") from None
    except ValueError:
        raise SyncError(f"{where} did not answer with JSON; is it the right server?") from None


@dataclass(frozen=True)
class KoboSource:
    server: str  # e.g. https://kf.kobotoolbox.org
    asset_uid: str
    token: str

    def pages(self) -> Iterator[list[dict]]:
        url = (
            f"{self.server.rstrip('/')}/api/v2/assets/"
            f"{urllib.parse.quote(self.asset_uid)}/data/?format=json"
        )
        for _page in range(MAX_PAGES):
            body = _get_json(url, authorization=f"Token {self.token}")
            yield list(body.get("results") or [])
            url = _next_page(body.get("next"), self.server)
            if not url:
                return
        raise SyncError("The server kept sending more pages; the pull was stopped.")

    def rows(self) -> Iterator[dict[str, str]]:
        """Each submission as the row of Kobo's CSV export (scalar answers only)."""
        for page in self.pages():
            for result in page:
                yield {k: _scalar(v) for k, v in result.items() if _is_scalar(v)}


@dataclass(frozen=True)
class OdkCentralSource:
    server: str  # e.g. https://central.example.org
    project_id: int
    form_id: str  # the form's xmlFormId
    token: str

    def pages(self) -> Iterator[list[dict]]:
        form = urllib.parse.quote(self.form_id)
        url = (
            f"{self.server.rstrip('/')}/v1/projects/{int(self.project_id)}/forms/{form}.svc/"
            "Submissions?%24top=250"
        )
        for _page in range(MAX_PAGES):
            body = _get_json(url, authorization=f"Bearer {self.token}")
            yield list(body.get("value") or [])
            url = _next_page(body.get("@odata.nextLink"), self.server)
            if not url:
                return
        raise SyncError("The server kept sending more pages; the pull was stopped.")

    def rows(self) -> Iterator[dict[str, str]]:
        """Each submission as the row of ODK Central's CSV export: groups joined with '-',
        ``KEY`` and ``meta-instanceID`` from ``__id``, the ``__system`` metadata under the
        CSV's column names."""
        for page in self.pages():
            for value in page:
                system = value.get("__system") or {}
                row = {
                    "SubmissionDate": _scalar(system.get("submissionDate")),
                }
                row.update(_flatten_odk(value))
                row["meta-instanceID"] = row.get("meta-instanceID") or _scalar(value.get("__id"))
                row["KEY"] = _scalar(value.get("__id"))
                row.update(
                    {
                        "SubmitterID": _scalar(system.get("submitterId")),
                        "SubmitterName": _scalar(system.get("submitterName")),
                        "AttachmentsPresent": _scalar(system.get("attachmentsPresent")),
                        "AttachmentsExpected": _scalar(system.get("attachmentsExpected")),
                        "Status": _scalar(system.get("status")),
                        "ReviewState": _scalar(system.get("reviewState")),
                        "DeviceID": _scalar(system.get("deviceId")),
                        "Edits": _scalar(system.get("edits")),
                        "FormVersion": _scalar(system.get("formVersion")),
                    }
                )
                yield row


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _scalar(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flatten_odk(value: dict, prefix: str = "") -> dict[str, str]:
    row: dict[str, str] = {}
    for key, item in value.items():
        if key.startswith("__") or "@odata" in key:
            continue  # system fields and repeat-table links
        name = f"{prefix}-{key}" if prefix else key
        if isinstance(item, dict):
            row.update(_flatten_odk(item, name))
        elif _is_scalar(item):
            row[name] = _scalar(item)
    return row


def rows_as_csv(rows: Iterator[dict[str, str]], *, delimiter: str) -> tuple[bytes, int]:
    """Rows as the CSV file an export would be (header: every column, in order of first
    appearance), and how many rows. Kobo writes ';', ODK Central ','."""
    rows = list(rows)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), delimiter=delimiter, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8"), len(rows)


def sync_pull(*, source, instrument, organisation, user=None):
    """Pull every submission of ``source`` into a new upload of ``instrument`` for
    ``organisation`` (which must be a partner of the campaign). The upload then goes
    through the pipeline like a file: with the partner's saved mapping it is checked and
    waits in "preview" for the partner to import; rows that cannot be accepted are listed
    there, and submissions already in the portal are skipped. Returns the upload (or None
    when the server has no submissions)."""
    from django.core.exceptions import PermissionDenied
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .models import ColumnMapping, Upload
    from .uploads import upload_inspect, upload_set_mapping, upload_store

    if not instrument.campaign.partners.filter(pk=organisation.pk).exists():
        raise PermissionDenied
    if isinstance(source, KoboSource):
        data, count = rows_as_csv(source.rows(), delimiter=";")
        name = f"kobo-{source.asset_uid}.csv"
    else:
        data, count = rows_as_csv(source.rows(), delimiter=",")
        name = f"{source.form_id}.csv"
    if not count:
        return None
    upload = upload_store(
        uploaded=SimpleUploadedFile(name, data, content_type="text/csv"),
        instrument=instrument,
        organisation=organisation,
        user=user,
        consent_how="verbal",
        enqueue=False,
    )
    # A pull runs in the background already: read the columns here, then use the partner's
    # saved mapping when it still fits (the row check is enqueued as for an upload).
    upload = upload_inspect(upload=upload)
    if upload.status == Upload.Status.MAPPING:
        saved = ColumnMapping.objects.filter(
            campaign=upload.campaign,
            organisation=organisation,
            instrument=instrument,
            export_format=upload.export_format,
        ).first()
        if saved is not None:
            upload_set_mapping(upload=upload, mapping=saved.mapping)
    return upload


# ---------------------------------------------------------------------------------------------
# Stored syncs: a token kept encrypted, pulled on a schedule
# ---------------------------------------------------------------------------------------------


def _fernet():
    import base64
    import hashlib

    from cryptography.fernet import Fernet
    from django.conf import settings

    secret = getattr(settings, "PARTNER_SYNC_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"partner-sync:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def token_encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def token_decrypt(stored: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SyncError(
            "The stored token can no longer be read (the server's key changed); save the "
            "sync again with a new token."
        ) from None


def _allow_private() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "PARTNER_SYNC_ALLOW_PRIVATE", False))


def source_for(sync) -> KoboSource | OdkCentralSource:
    server_address_check(sync.server, allow_private=_allow_private())
    token = token_decrypt(sync.token_encrypted)
    if sync.kind == "kobo":
        return KoboSource(server=sync.server, asset_uid=sync.asset_uid, token=token)
    return OdkCentralSource(
        server=sync.server, project_id=sync.project_id or 0, form_id=sync.form_id, token=token
    )


def partner_sync_save(*, instrument, organisation, kind, server, token, user=None, **ids):
    """Connect a Kobo project / ODK form to ``instrument`` for ``organisation`` (a partner
    invited to the campaign). The token is encrypted before it is stored."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from .models import PartnerSync

    if not instrument.campaign.partners.filter(pk=organisation.pk).exists():
        raise PermissionDenied
    try:
        server_address_check(server, allow_private=_allow_private())
    except SyncError as error:
        raise ValidationError({"server": str(error)}) from None
    sync = PartnerSync(
        campaign=instrument.campaign,
        instrument=instrument,
        organisation=organisation,
        kind=kind,
        server=server,
        asset_uid=ids.get("asset_uid") or "",
        project_id=ids.get("project_id"),
        form_id=ids.get("form_id") or "",
        token_encrypted=token_encrypt(token),
        created_by=user,
    )
    if kind == "kobo" and not sync.asset_uid:
        raise ValidationError({"asset_uid": "A KoboToolbox sync needs the project's asset uid."})
    if kind == "odk" and not (sync.project_id and sync.form_id):
        raise ValidationError(
            {"form_id": "An ODK Central sync needs the project id and the form's xmlFormId."}
        )
    sync.full_clean()
    sync.save()
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=sync,
        summary=f"{sync.get_kind_display()} form connected for {organisation}",
        # where it pulls from, never the token
        data={"kind": kind, "server": urllib.parse.urlsplit(server).netloc.rpartition("@")[2]},
    )
    return sync


def partner_sync_probe(
    *, kind: str, server: str, token: str, asset_uid: str = "", project_id=None, form_id=""
) -> None:
    """Before a form is connected: may the token read that project / form on that server?
    Reads the form's description only (kpi ``GET /api/v2/assets/{uid}/``, ODK Central
    ``GET /v1/projects/{id}/forms/{xmlFormId}``), never its submissions. Raises ``SyncError``
    with a message for the person (a private address, an unknown server, a refused token, no
    such project or form); the token is never in it."""
    server_address_check(server, allow_private=_allow_private())
    base = server.rstrip("/")
    if kind == "kobo":
        url = f"{base}/api/v2/assets/{urllib.parse.quote(asset_uid)}/?format=json"
        _get_json(url, authorization=f"Token {token}")
    else:
        url = f"{base}/v1/projects/{int(project_id or 0)}/forms/{urllib.parse.quote(form_id)}"
        _get_json(url, authorization=f"Bearer {token}")


def pull_stamp(sync) -> str:
    """What the sync's page saw of its last pull, sent back with "Pull now": a second click
    (or a second tab) on the same page finds the stamp changed and pulls nothing."""
    return str(int(sync.last_pulled_at.timestamp() * 1_000_000)) if sync.last_pulled_at else "0"


def partner_sync_run(*, sync, user=None, seen_stamp: str | None = None) -> None:
    """Pull one sync now; the outcome (a new upload, nothing new, or why it failed) is stored
    on the sync for the partner to see.

    The pull runs with the sync's row locked, so two pulls of one sync never overlap (the
    second waits, then, given the ``seen_stamp`` of the page it was sent from, finds that the
    sync was pulled meanwhile and raises ``ValidationError``). The new upload is recorded as
    the sync's ``last_upload`` before its row check is enqueued (on commit), so the check's
    rejected rows reach the sync's queue (``sync_issues_record``)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction
    from django.utils import timezone
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    from .models import PartnerSync

    with transaction.atomic():
        locked = PartnerSync.objects.select_for_update().filter(pk=sync.pk).first()
        if locked is None:
            return  # disconnected meanwhile
        if (
            seen_stamp is not None
            and locked.last_pulled_at is not None
            and seen_stamp != pull_stamp(locked)
        ):
            when = timezone.localtime(locked.last_pulled_at)
            raise ValidationError(
                _("This form was pulled at %(when)s already; its result is shown below.")
                % {"when": date_format(when, "SHORT_DATETIME_FORMAT")}
            )
        try:
            upload = sync_pull(
                source=source_for(locked),
                instrument=locked.instrument,
                organisation=locked.organisation,
                user=user,
            )
        except SyncError as error:
            locked.last_message = str(error)
        except PermissionDenied:
            locked.last_message = "The organisation is no longer a partner of this campaign."
            locked.active = False
        else:
            locked.last_upload = upload or locked.last_upload
            locked.last_message = "" if upload else "The server has no submissions."
        locked.last_pulled_at = timezone.now()
        locked.save(update_fields=["last_upload", "last_message", "last_pulled_at", "active"])
    for name in ("last_upload", "last_upload_id", "last_message", "last_pulled_at", "active"):
        setattr(sync, name, getattr(locked, name))


def partner_syncs_run_all() -> int:
    """Pull every active sync (the beat task); returns how many were pulled."""
    from .models import PartnerSync

    count = 0
    for sync in PartnerSync.objects.filter(active=True).select_related(
        "instrument__campaign", "organisation"
    ):
        partner_sync_run(sync=sync)
        count += 1
    return count


def partner_sync_set_active(*, sync, active: bool, user=None, request=None) -> None:
    """Pause (``active=False``: the schedule skips it; "Pull now" still works) or resume a
    sync. Audited."""
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    if sync.active == active:
        return
    sync.active = active
    sync.save(update_fields=["active"])
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=sync,
        request=request,
        summary=f"{sync.get_kind_display()} sync {sync.pk} {'resumed' if active else 'paused'}",
        data={"active": active},
    )


def partner_sync_delete(*, sync, user=None, request=None) -> None:
    """Disconnect a sync: it and its encrypted token are deleted (with its queue of rows
    waiting for a fix); the uploads it pulled stay. Audited (where it pulled from, never the
    token)."""
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=user,
        target=sync,
        request=request,
        summary=f"{sync.get_kind_display()} sync {sync.pk} disconnected",
        data={
            "kind": sync.kind,
            "server": urllib.parse.urlsplit(sync.server).netloc.rpartition("@")[2],
            "organisation": sync.organisation_id,
        },
    )
    sync.delete()


# ---------------------------------------------------------------------------------------------
# The queue of rejected submissions, waiting for a fix at the source
# ---------------------------------------------------------------------------------------------

#: ``Upload.problems`` keeps this many problems at most: a longer list is cut, and then a
#: submission missing from it may still be rejected, so nothing is marked fixed.
PROBLEMS_KEPT = 1000


def _rejected_submissions(problems) -> dict[str, list[str]]:
    rejected: dict[str, list[str]] = {}
    for problem in problems or []:
        key = str(problem.get("key") or "")[:100]
        if key:
            reasons = rejected.setdefault(key, [])
            reasons.extend(r for r in problem.get("reasons") or [] if r not in reasons)
    return rejected


def sync_issues_record(*, sync, upload) -> None:
    """After the row check of a sync's upload (status "preview"): each rejected submission
    (by its stable id) is added to the sync's queue, or its reasons refreshed; a submission
    that waited and is no longer rejected was fixed at the source (a pull brings every
    submission of the form, so absent means accepted, already imported, or deleted there)."""
    from django.db import transaction
    from django.utils import timezone

    from .models import SyncRowIssue

    now = timezone.now()
    rejected = _rejected_submissions(upload.problems)
    with transaction.atomic():
        waiting = {
            issue.submission_key: issue
            for issue in SyncRowIssue.objects.select_for_update().filter(sync=sync)
        }
        if len(upload.problems or []) < PROBLEMS_KEPT:
            fixed = [
                issue.pk
                for key, issue in waiting.items()
                if key not in rejected and issue.resolved_at is None
            ]
            SyncRowIssue.objects.filter(pk__in=fixed).update(resolved_at=now, last_upload=upload)
        for key, reasons in rejected.items():
            issue = waiting.get(key)
            if issue is None:
                SyncRowIssue.objects.create(
                    sync=sync,
                    campaign_id=sync.campaign_id,
                    organisation_id=sync.organisation_id,
                    submission_key=key,
                    reasons=reasons,
                    first_seen=now,
                    last_seen=now,
                    last_upload=upload,
                )
                continue
            if issue.resolved_at is not None:  # fixed once, rejected again: waits anew
                issue.first_seen, issue.resolved_at = now, None
            issue.reasons, issue.last_seen, issue.last_upload = reasons, now, upload
            issue.save()


def sync_issues_resolve_stored(*, campaign_id: int) -> int:
    """Waiting submissions that are now stories of the campaign (imported by a pull's upload
    or by a corrected export uploaded by hand) are fixed. Returns how many."""
    from django.utils import timezone

    from .models import Narrative, SyncRowIssue

    waiting = SyncRowIssue.objects.filter(campaign_id=campaign_id, resolved_at__isnull=True)
    stored = Narrative.objects.filter(
        campaign_id=campaign_id,
        external_key__in=waiting.values("submission_key"),
    ).values("external_key")
    return waiting.filter(submission_key__in=stored).update(resolved_at=timezone.now())


def on_upload_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """``post_save`` of an upload: when the row check of a sync's last upload ends, refresh
    that sync's queue (connected in ``ConsultationsConfig.ready``)."""
    from .models import PartnerSync, Upload

    if update_fields is None or "status" not in update_fields:
        return
    if instance.status != Upload.Status.PREVIEW:
        return
    for sync in PartnerSync.objects.filter(last_upload=instance):
        sync_issues_record(sync=sync, upload=instance)


def on_submissions_imported(sender, upload, **kwargs) -> None:
    """``submissions_imported``: stories were stored; submissions waiting are fixed."""
    sync_issues_resolve_stored(campaign_id=upload.campaign_id)


def sync_issues_waiting(user, sync):
    """The sync's submissions waiting for a fix at the source that ``user`` may list."""
    from accounts import policy
    from accounts.policy import Action

    from .models import SyncRowIssue

    return policy.scope(
        user, SyncRowIssue.objects.filter(sync=sync, resolved_at__isnull=True), Action.LIST
    )


def sync_issues_fixed(user, sync, *, limit: int = 20):
    """The most recently fixed ones (shown as "fixed on …")."""
    from accounts import policy
    from accounts.policy import Action

    from .models import SyncRowIssue

    return policy.scope(
        user, SyncRowIssue.objects.filter(sync=sync, resolved_at__isnull=False), Action.LIST
    ).order_by("-resolved_at")[:limit]
