"""Pull submissions from a partner's KoboToolbox project or ODK Central form, instead of an
upload: the rows arrive as the export the partner would have downloaded (Kobo's XLSX export,
ODK Central's CSV ZIP), repeat groups included, and go through the very same upload pipeline
(inspect → the partner's saved mapping → every row checked → preview), so nothing reaches the
portal without the checks and the partner's confirmation of an upload.

* KoboToolbox (kpi v2): ``GET {server}/api/v2/assets/{uid}/data/?format=json`` with
  ``Authorization: Token <API token>``; pages are ``{"count", "next", "previous",
  "results"}`` and are followed by ``next`` until it is null. Each result is keyed by the
  question's full group path (``story_group/story``), with ``_id``, ``_uuid``,
  ``meta/rootUuid``, ``_submission_time``…; a repeat group is a list of objects under the
  repeat's full path (``"household": [{"household/village": …, "household/member": [{
  "household/member/age": …}]}]``), nested repeats inside their parent's objects, groups
  inside a repeat as path segments of its keys. :class:`KoboTables` lays them out as Kobo's
  XLSX export does (formpack): the main sheet with ``_index``, one sheet per repeat group
  named after the repeat, each row with its own ``_index``, ``_parent_table_name`` /
  ``_parent_index`` (the parent row, in the main sheet or in the enclosing repeat's sheet)
  and the submission's ``_submission__id`` / ``_submission__uuid``. The workbook is fed to
  the pipeline as a ``kobo_xlsx`` upload, so the joins of an uploaded XLSX apply unchanged.
* ODK Central: ``GET {server}/v1/projects/{id}/forms/{xmlFormId}/submissions.csv.zip
  ?attachments=false`` with ``Authorization: Basic <web user's e-mail:password>`` (or
  ``Bearer <session token>`` for a sync saved with one): the very ZIP the partner
  downloads from Submissions > Download (the main table ``<form>.csv``, one CSV per repeat
  group ``<form>-<repeat>.csv`` linked by ``PARENT_KEY`` → ``KEY``), without the media
  files. It is fed to the pipeline as an ``odk_zip`` upload. Central lets app users list
  forms and submit, not read submissions, and ends a web user's session after 24 hours, so
  a scheduled sync signs in as a web user (a dedicated Project Viewer) with HTTP Basic on
  each request, as Central documents for web users; a session token saved earlier is still
  sent as ``Bearer`` (and reported as refused once it expired). (The OData feed,
  ``….svc/Submissions``, is read by :meth:`OdkCentralSource.rows` for the main table only:
  its repeat tables carry OData ids, not the ``KEY``/``PARENT_KEY`` of the export, and its
  geopoints and groups are shaped differently, so the ZIP is what keeps a sync identical to
  an upload.)

A partner's saved mapping for the export format (``kobo_xlsx`` / ``odk_zip``), or else the
one saved for the CSV that earlier pulls produced (``kobo_csv`` / ``odk_csv``: the main
columns are named the same), is applied to each pull, the unit of a story included: each
submission, or each row of one repeat group. What still cannot be synced says so on the
upload: a saved unit whose repeat group has no rows in this pull (Kobo leaves an unanswered
repeat out of the data), and media attachments (neither pull fetches them, as an upload has
none). The credentials are used for the request only: never stored here, logged or shown
in a message.

A pull of a stored sync (``Upload.sync``) is imported in part: its accepted rows are stored
while the rejected ones wait in the sync's queue (:class:`SyncRowIssue`) for a fix at the
source, and a later pull brings them once accepted (``sync_import_refusal`` says when that
cannot be: a rejected row without a submission id, or more rows than the problems kept).

Messages for a person are :class:`common.messages.Message` (English text plus template and
parameters, no request language here); the pages render them in the viewer's language, and
``PartnerSync.last_message_data`` / ``SyncRowIssue.reason_data`` keep them as data.
"""

from __future__ import annotations

import contextvars
import csv
import io
import ipaddress
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.views.decorators.debug import sensitive_variables

from common.messages import Message, gettext_noop

logger = logging.getLogger(__name__)

#: How many pages a pull follows at most (a loop in ``next`` links must end).
MAX_PAGES = 10_000
TIMEOUT = 60
#: The largest export a pull downloads (the upload limit, consultations.uploads); a
#: deployment sets PARTNER_SYNC_MAX_BYTES (all pages of one pull together).
MAX_EXPORT_BYTES = 200 * 1024 * 1024
#: How long one pull may take in all (PARTNER_SYNC_DEADLINE_SECONDS), below the task's limit.
PULL_DEADLINE_SECONDS = 20 * 60
_CHUNK = 1024 * 1024


def _max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "PARTNER_SYNC_MAX_BYTES", MAX_EXPORT_BYTES))


@dataclass
class PullBudget:
    """What one pull may still download (bytes, over every page) and until when."""

    bytes_left: int
    deadline: float  # time.monotonic()

    @classmethod
    def fresh(cls) -> PullBudget:
        from django.conf import settings

        seconds = int(getattr(settings, "PARTNER_SYNC_DEADLINE_SECONDS", PULL_DEADLINE_SECONDS))
        return cls(bytes_left=_max_bytes(), deadline=time.monotonic() + seconds)

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()


_budget: contextvars.ContextVar[PullBudget | None] = contextvars.ContextVar(
    "partner_sync_budget", default=None
)


def _current_budget() -> PullBudget:
    return _budget.get() or PullBudget.fresh()


class SyncError(Exception):
    """The server could not be read; the message is for a person (never holds the token).

    ``message`` is a :class:`common.messages.Message` (its English text is ``str(error)``):
    the page shows it in the viewer's language (``common.i18n.render_message``) and a stored
    one keeps its template (``PartnerSync.last_message_data``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SyncExists(Exception):
    """This form is already connected for this partner and instrument (``sync``)."""

    def __init__(self, sync) -> None:
        super().__init__(f"already connected as sync {sync.pk}")
        self.sync = sync


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
    between is a residual risk, bounded by the pull reading JSON and export files only.)"""
    parsed = urllib.parse.urlsplit(server)
    try:
        port = parsed.port
    except ValueError:
        raise SyncError(
            Message(
                gettext_noop(
                    "The port in the server's address is not a number from 1 to 65535; give "
                    "the address as the server shows it, e.g. https://kf.kobotoolbox.org."
                )
            )
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SyncError(
            Message(gettext_noop("Give the server's address, e.g. https://kf.kobotoolbox.org."))
        )
    if "@" in parsed.netloc:
        raise SyncError(
            Message(
                gettext_noop(
                    "The address holds a user name or password; put the token (or password) "
                    "in its own field, not in the address."
                )
            )
        )
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parsed.hostname, port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise SyncError(
            Message(
                gettext_noop("The server name “%(host)s” could not be found."),
                host=parsed.hostname,
            )
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise SyncError(
                Message(
                    gettext_noop(
                        "“%(host)s” is an address inside this network (%(address)s); the "
                        "portal only pulls from servers on the internet."
                    ),
                    host=parsed.hostname,
                    address=str(address),
                )
            )


def _next_page(url, server: str) -> str | None:
    """A page's next link, only when it stays on the partner's server (the token goes with it)."""
    if not url:
        return None
    if _origin(url) != _origin(server):
        raise SyncError(
            Message(
                gettext_noop("The server's next page is on another host; the pull was stopped.")
            )
        )
    return url


def _where(url: str) -> str:
    """The server as a message names it: scheme and host, never a user:password@ written
    into the address."""
    parsed = urllib.parse.urlsplit(url)
    return f"{parsed.scheme}://{parsed.netloc.rpartition('@')[2]}"


def _refused(where: str, code: int, authorization: str) -> Message:
    if authorization.startswith("Basic "):
        return Message(
            gettext_noop(
                "%(where)s refused the web user's e-mail and password (HTTP %(code)s). Check "
                "that this user may still sign in to Central and read the form's submissions "
                "(Project Viewer), then save the sync again with the current password."
            ),
            where=where,
            code=code,
        )
    return Message(
        gettext_noop(
            "%(where)s refused the token (HTTP %(code)s). Create a new API token on the server "
            "and save it again."
        ),
        where=where,
        code=code,
    )


@sensitive_variables()
def _request(url: str, *, authorization: str, accept: str, read: Callable, not_what: str):
    """GET ``url`` and ``read`` the response; every failure is a :class:`SyncError` that
    names the server (never the credentials, never a user:password@ written into the
    address). ``not_what`` is the template (with ``%(where)s``) of what to say when the
    answer is not what was asked for."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https"):
        raise SyncError(
            Message(
                gettext_noop("Only http(s) servers can be synced, not “%(scheme)s”."),
                scheme=parsed.scheme,
            )
        )
    if authorization.startswith("Basic ") and parsed.scheme != "https" and not _allow_private():
        # a password is never sent in clear (Central itself takes Basic over https only)
        raise SyncError(
            Message(
                gettext_noop(
                    "ODK Central accepts a web user's e-mail and password only over https; "
                    "give the server's https:// address."
                )
            )
        )
    request = urllib.request.Request(
        url, headers={"Authorization": authorization, "Accept": accept}
    )
    where = _where(url)
    budget = _current_budget()
    if budget.seconds_left() <= 0:
        raise SyncError(_too_slow(where))
    try:
        timeout = max(1.0, min(TIMEOUT, budget.seconds_left()))
        with _opener.open(request, timeout=timeout) as response:  # noqa: S310
            return read(response, where)
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise SyncError(_refused(where, error.code, authorization)) from None
        if error.code == 404:
            raise SyncError(
                Message(
                    gettext_noop("%(where)s has no such project or form (HTTP 404). Check its id."),
                    where=where,
                )
            ) from None
        raise SyncError(
            Message(
                gettext_noop("%(where)s answered HTTP %(code)s; try again later."),
                where=where,
                code=error.code,
            )
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SyncError(
            Message(
                gettext_noop("%(where)s could not be reached (%(reason)s)."),
                where=where,
                reason=str(reason),
            )
        ) from None
    except (ValueError, zipfile.BadZipFile):
        raise SyncError(Message(not_what, where=where)) from None


def _too_slow(where: str) -> Message:
    return Message(
        gettext_noop(
            "Reading %(where)s took longer than %(minutes)s minutes; the pull was stopped. "
            "Try again later, or split the form's submissions (e.g. one form per period)."
        ),
        where=where,
        minutes=int(PULL_DEADLINE_SECONDS // 60),
    )


_NOT_JSON = gettext_noop("%(where)s did not answer with JSON; is it the right server?")
_NOT_ZIP = gettext_noop(
    "%(where)s did not answer with the form's CSV ZIP export; is it the right server?"
)
_TOO_MANY_PAGES = gettext_noop("The server kept sending more pages; the pull was stopped.")


def _get_json(url: str, *, authorization: str) -> dict:
    """A JSON object (a page of the API); anything else is "not JSON"."""
    body = _request(
        url,
        authorization=authorization,
        accept="application/json",
        read=lambda response, where: json.loads(_read_capped(response, where)),
        not_what=_NOT_JSON,
    )
    if not isinstance(body, dict):
        raise SyncError(Message(_NOT_JSON, where=_where(url)))
    return body


def _read_capped(response, where: str) -> bytes:
    """The response's body, within what the pull may still download (bytes and time)."""
    budget = _current_budget()
    limit = budget.bytes_left
    chunks: list[bytes] = []
    total = 0
    while True:
        if budget.seconds_left() <= 0:
            raise SyncError(_too_slow(where))
        chunk = response.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise SyncError(
                Message(
                    gettext_noop(
                        "The export %(where)s sent is larger than %(mb)s MB; the pull was "
                        "stopped. Split the form's submissions (e.g. one form per period)."
                    ),
                    where=where,
                    mb=_max_bytes() // (1024 * 1024),
                )
            )
    budget.bytes_left -= total
    return b"".join(chunks)


def _get_bytes(url: str, *, authorization: str, accept: str, not_what: str) -> bytes:
    return _request(
        url, authorization=authorization, accept=accept, read=_read_capped, not_what=not_what
    )


# ---------------------------------------------------------------------------------------------
# KoboToolbox: the kpi v2 data API laid out as Kobo's XLSX export
# ---------------------------------------------------------------------------------------------

#: The main sheet's name (formpack's default export title; the asset's name is not pulled).
MAIN_SHEET = "submissions"
#: The submission's metadata that formpack copies onto every repeat row, as
#: ``_submission_<name>`` (``_submission__id``, ``_submission__uuid``…).
_COPIED_TO_REPEATS = ("_id", "_uuid", "_submission_time", "_validation_status", "__version__")
_AUTO_COLUMNS = ("_index", "_parent_table_name", "_parent_index") + tuple(
    f"_submission_{name}" for name in _COPIED_TO_REPEATS
)
#: Characters Excel refuses in a sheet name.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
#: Control characters an XLSX cell cannot hold (the XML 1.0 ones).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _is_repeat(key: str, value: Any) -> bool:
    """A repeat group in a kpi result: a list of objects under a question path (the
    ``_attachments``, ``_tags``, ``_notes``, ``_geolocation`` metadata lists are not)."""
    return (
        not key.startswith("_")
        and isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) for item in value)
    )


def _sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet name as Kobo's export makes it: forbidden characters and a leading or
    trailing apostrophe replaced by "_", at most 31 characters, made unique with " (n)"."""
    name = _SHEET_FORBIDDEN.sub("_", name) or "repeat"
    name = re.sub(r"(^'|'$)", "_", name)
    candidate, number = name[:_SHEET_MAX], 1
    while candidate in taken:
        suffix = f" ({number})"
        candidate = name[: _SHEET_MAX - len(suffix)] + suffix
        number += 1
    taken.add(candidate)
    return candidate


@dataclass
class KoboSheet:
    """One sheet of the export: its name, the repeat path it holds ("" for the main sheet),
    its columns in order of first appearance and its rows."""

    title: str
    path: str
    columns: dict[str, None] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def append(self, row: dict[str, Any]) -> int:
        self.rows.append(row)
        self.columns.update(dict.fromkeys(row))
        return len(self.rows)

    def header(self) -> list[str]:
        own = [column for column in self.columns if column not in _AUTO_COLUMNS]
        return own + [column for column in _AUTO_COLUMNS if column in self.columns]


class KoboTables:
    """kpi data API results laid out as the sheets of Kobo's XLSX export (formpack's layout):
    repeat rows in the order formpack writes them (each parent row, then its children), an
    ``_index`` counted per sheet over the whole pull, and each repeat row pointing at its
    parent row by ``_parent_table_name`` + ``_parent_index``."""

    def __init__(self) -> None:
        self._titles: set[str] = set()
        self.main = KoboSheet(_sheet_title(MAIN_SHEET, self._titles), "")
        #: repeat sheets by the repeat's full path, in order of first appearance
        self.repeats: dict[str, KoboSheet] = {}

    @property
    def count(self) -> int:
        return len(self.main.rows)

    @property
    def sheets(self) -> list[KoboSheet]:
        return [self.main, *self.repeats.values()]

    def add(self, result: dict) -> None:
        row = {key: _scalar(value) for key, value in result.items() if _is_scalar(value)}
        index = self.main.append(row | {"_index": len(self.main.rows) + 1})
        copied = {f"_submission_{name}": _metadata(result.get(name)) for name in _COPIED_TO_REPEATS}
        self._add_repeats(result, self.main, index, copied)

    def _add_repeats(self, entry: dict, parent: KoboSheet, parent_index: int, copied) -> None:
        for key, value in entry.items():
            if not _is_repeat(key, value):
                continue
            sheet = self.repeats.get(key)
            if sheet is None:
                title = _sheet_title(key.rstrip("/").rsplit("/", 1)[-1], self._titles)
                sheet = self.repeats[key] = KoboSheet(title, key)
            for item in value:
                row = {k: _scalar(v) for k, v in item.items() if _is_scalar(v)}
                index = len(sheet.rows) + 1
                sheet.append(
                    row
                    | {
                        "_index": index,
                        "_parent_table_name": parent.title,
                        "_parent_index": parent_index,
                    }
                    | copied
                )
                self._add_repeats(item, sheet, index, copied)

    def xlsx(self) -> bytes:
        """The workbook, every answer a text cell (a text starting with "=" stays text)."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        for sheet in self.sheets:
            worksheet = workbook.create_sheet(sheet.title)
            header = sheet.header()

            def text_cell(value, worksheet=worksheet):
                if isinstance(value, str):
                    value = _ILLEGAL_XML.sub("", value) or None
                if isinstance(value, str) and value.startswith("="):
                    value = WriteOnlyCell(worksheet, value=value)
                    value.data_type = "s"  # never a formula
                return value

            worksheet.append([text_cell(column) for column in header])
            for row in sheet.rows:
                worksheet.append([text_cell(row.get(column)) for column in header])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


def _metadata(value) -> Any:
    """A submission metadata value as Kobo's export writes it (the validation status by
    its label)."""
    if isinstance(value, dict):
        return _scalar(value.get("label"))
    return value if isinstance(value, int) and not isinstance(value, bool) else _scalar(value)


@dataclass(frozen=True)
class KoboSource:
    server: str  # e.g. https://kf.kobotoolbox.org
    asset_uid: str
    token: str = field(repr=False)

    def pages(self) -> Iterator[list[dict]]:
        url = (
            f"{self.server.rstrip('/')}/api/v2/assets/"
            f"{urllib.parse.quote(self.asset_uid)}/data/?format=json"
        )
        for _page in range(MAX_PAGES):
            body = _get_json(url, authorization=f"Token {self.token}")
            results = body.get("results") or []
            if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
                raise SyncError(Message(_NOT_JSON, where=_where(url)))
            yield results
            url = _next_page(body.get("next"), self.server)
            if not url:
                return
        raise SyncError(Message(_TOO_MANY_PAGES))

    def rows(self) -> Iterator[dict[str, str]]:
        """Each submission as the row of Kobo's CSV export (the main sheet's answers only)."""
        for page in self.pages():
            for result in page:
                yield {k: _scalar(v) for k, v in result.items() if _is_scalar(v)}

    def tables(self) -> KoboTables:
        """Every submission, repeat groups included, as the sheets of Kobo's XLSX export."""
        tables = KoboTables()
        for page in self.pages():
            for result in page:
                tables.add(result)
        return tables

    def export(self) -> tuple[str, bytes, int]:
        """``(file name, XLSX bytes, number of submissions)``."""
        tables = self.tables()
        return f"kobo-{self.asset_uid}.xlsx", tables.xlsx(), tables.count


# ---------------------------------------------------------------------------------------------
# ODK Central: the CSV ZIP export (and the OData feed of the main table)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OdkCentralSource:
    """An ODK Central form, read with a web user's session token (``Bearer``; Central ends
    sessions after 24 hours) or with that web user's e-mail and password (HTTP Basic, which
    Central accepts for web users on every request, so a scheduled pull keeps working)."""

    server: str  # e.g. https://central.example.org
    project_id: int
    form_id: str  # the form's xmlFormId
    token: str = field(default="", repr=False)
    email: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    @property
    def authorization(self) -> str:
        if self.email:
            return basic_authorization(self.email, self.password)
        return f"Bearer {self.token}"

    def _form_url(self) -> str:
        form = urllib.parse.quote(self.form_id, safe="")
        return f"{self.server.rstrip('/')}/v1/projects/{int(self.project_id)}/forms/{form}"

    def export_zip(self) -> bytes:
        """The form's CSV ZIP export without media files, exactly as Submissions > Download
        gives it."""
        data = _get_bytes(
            f"{self._form_url()}/submissions.csv.zip?attachments=false",
            authorization=self.authorization,
            accept="application/zip",
            not_what=_NOT_ZIP,
        )
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise SyncError(Message(_NOT_ZIP, where=_where(self.server)))
        return data

    def export(self) -> tuple[str, bytes, int]:
        """``(file name, ZIP bytes, number of submissions in its main table)``."""
        data = self.export_zip()
        name = f"{self.form_id}.csv.zip"
        return name, data, odk_zip_submissions(data, name=name)

    def pages(self) -> Iterator[list[dict]]:
        url = f"{self._form_url()}.svc/Submissions?%24top=250"
        for _page in range(MAX_PAGES):
            body = _get_json(url, authorization=self.authorization)
            values = body.get("value") or []
            if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
                raise SyncError(Message(_NOT_JSON, where=_where(url)))
            yield values
            url = _next_page(body.get("@odata.nextLink"), self.server)
            if not url:
                return
        raise SyncError(Message(_TOO_MANY_PAGES))

    def rows(self) -> Iterator[dict[str, str]]:
        """Each submission of the OData feed as the row of ODK Central's main CSV: groups
        joined with '-', ``KEY`` and ``meta-instanceID`` from ``__id``, the ``__system``
        metadata under the CSV's column names (no repeat tables: the pull reads the ZIP)."""
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


@sensitive_variables()
def basic_authorization(email: str, password: str) -> str:
    """The ``Authorization`` header of HTTP Basic authentication (RFC 7617, UTF-8)."""
    import base64

    pair = f"{email}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def odk_zip_submissions(data: bytes, *, name: str = "export.csv.zip") -> int:
    """How many submissions the main table of an ODK Central CSV ZIP holds (the CSV with
    ODK's columns and no ``PARENT_KEY``); 0 when there is none. The archive is checked from
    its central directory first (nothing is inflated beyond the upload's archive limits);
    a file that cannot be read is a :class:`SyncError` naming it."""
    from common.archives import UnsafeArchive, check_archive
    from common.limits import archive_limits

    from .ingest import MAX_FIELD_CHARS

    try:
        check_archive(io.BytesIO(data), limits=archive_limits(), display_name=name)
    except UnsafeArchive as error:
        raise SyncError(
            Message(
                gettext_noop("The pulled file %(name)s was refused: %(reason)s"),
                name=name,
                reason=error.args[0],
            )
        ) from None
    row = 0
    member = name
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                lowered = member.lower()
                if not lowered.endswith(".csv") or member.startswith(("media/", "__MACOSX/")):
                    continue
                with archive.open(member) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    reader = csv.reader(text)
                    row = 1
                    header = next(reader, [])
                    if "PARENT_KEY" in header or "KEY" not in header:
                        continue
                    count = 0
                    for row, cells in enumerate(reader, start=2):
                        if any(len(cell) > MAX_FIELD_CHARS for cell in cells):
                            row -= 1  # the message names the row after the last one read
                            raise csv.Error("field larger than field limit")
                        if any(cell.strip() for cell in cells):
                            count += 1
                    return count
    except (csv.Error, UnicodeDecodeError, zipfile.BadZipFile, EOFError):
        raise SyncError(
            Message(
                gettext_noop(
                    "Row %(row)s of %(member)s in the pulled file %(name)s could not be read "
                    "(a value longer than %(chars)s characters, or text that is not UTF-8). "
                    "Fix that submission on the server, or export the form and upload the file."
                ),
                row=row + 1 if row else 1,
                member=member,
                name=name,
                chars=f"{MAX_FIELD_CHARS:,}",
            )
        ) from None
    return 0


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


# ---------------------------------------------------------------------------------------------
# A pull: the export into a new upload, the partner's saved mapping applied
# ---------------------------------------------------------------------------------------------

_CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}
#: The CSV format earlier pulls produced for the same source, whose saved mapping (main
#: columns named as in the XLSX / ZIP) is used when none is saved for the new format.
_EARLIER_FORMAT = {"kobo_xlsx": "kobo_csv", "odk_zip": "odk_csv"}


def sync_pull(*, source, instrument, organisation, user=None, sync=None, exported=None):
    """Pull every submission of ``source`` (repeat groups included) into a new upload of
    ``instrument`` for ``organisation`` (which must be a partner of the campaign). The upload
    then goes through the pipeline like the same export uploaded as a file: with the
    partner's saved mapping it is checked and waits in "preview" for the partner to import;
    rows that cannot be accepted are listed there, and submissions already in the portal are
    skipped. Returns the upload (or None when the server has no submissions).

    With ``sync`` (a stored :class:`PartnerSync`), the upload is that sync's: its accepted
    rows can be imported while the rejected ones wait in the sync's queue (``Upload.sync``).
    ``exported`` is ``source.export()`` already read (so a caller reads the server before it
    opens a transaction)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .models import Upload
    from .uploads import upload_inspect, upload_store

    if not instrument.campaign.partners.filter(pk=organisation.pk).exists():
        raise PermissionDenied
    name, data, count = exported if exported is not None else source.export()
    if not count:
        return None
    extension = "." + name.rsplit(".", 1)[-1]
    try:
        upload = upload_store(
            uploaded=SimpleUploadedFile(name, data, content_type=_CONTENT_TYPES[extension]),
            instrument=instrument,
            organisation=organisation,
            user=user,
            consent_how="verbal",
            enqueue=False,
        )
    except ValidationError as error:
        # already in the language of the pull (the upload checks' own messages)
        raise SyncError(" ".join(error.messages)) from None
    if sync is not None:
        upload.sync = sync
        upload.save(update_fields=["sync"])
    # A pull runs in the background already: read the columns here, then use the partner's
    # saved mapping when it still fits (the row check is enqueued as for an upload).
    upload = upload_inspect(upload=upload)
    if upload.status == Upload.Status.MAPPING:
        _apply_saved_mapping(upload)
    return upload


def _apply_saved_mapping(upload) -> None:
    """The partner's mapping saved for this export format (else for the CSV earlier pulls
    produced), when it fits this pull; when it does not, the upload waits for a mapping and
    its message says why."""
    from .models import ColumnMapping
    from .uploads import upload_set_mapping, upload_unit, upload_units

    saved = None
    for export_format in (upload.export_format, _EARLIER_FORMAT.get(upload.export_format)):
        saved = ColumnMapping.objects.filter(
            campaign=upload.campaign,
            organisation=upload.organisation,
            instrument=upload.instrument,
            export_format=export_format,
        ).first()
        if saved is not None:
            break
    if saved is None:
        return
    problems = upload_set_mapping(upload=upload, mapping=saved.mapping)
    if not problems:
        return
    unit = upload_unit(saved.mapping)
    if unit and unit not in {name for name, _rows in upload_units(upload)}:
        reason = (
            f"The saved mapping takes each row of the repeat group “{unit}” as a story, but "
            "no submission in this pull has rows in that group, so nothing was checked. Map "
            "this pull again (e.g. with each submission as a story), or wait for submissions "
            "that have that group."
        )
    else:
        reason = (
            "The saved mapping no longer fits the form ("
            + "; ".join(problems)
            + "). Map this pull again."
        )
    upload.message = " ".join(part for part in (upload.message, reason) if part)
    upload.save(update_fields=["message"])


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


@sensitive_variables()
def token_encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


@sensitive_variables()
def token_decrypt(stored: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SyncError(
            Message(
                gettext_noop(
                    "The stored token can no longer be read (the server's key changed); save "
                    "the sync again with a new token."
                )
            )
        ) from None


@sensitive_variables()
def login_encrypt(email: str, password: str) -> str:
    """A web user's e-mail and password, encrypted together as the token is."""
    return token_encrypt(json.dumps({"email": email, "password": password}))


@sensitive_variables()
def login_decrypt(stored: str) -> tuple[str, str]:
    try:
        login = json.loads(token_decrypt(stored))
        return str(login["email"]), str(login["password"])
    except (ValueError, TypeError, KeyError):
        raise SyncError(
            Message(
                gettext_noop(
                    "The stored e-mail and password can no longer be read; save the sync again."
                )
            )
        ) from None


def _allow_private() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "PARTNER_SYNC_ALLOW_PRIVATE", False))


def source_for(sync) -> KoboSource | OdkCentralSource:
    server_address_check(sync.server, allow_private=_allow_private())
    if sync.kind == "kobo":
        token = token_decrypt(sync.token_encrypted)
        return KoboSource(server=sync.server, asset_uid=sync.asset_uid, token=token)
    ids = {"server": sync.server, "project_id": sync.project_id or 0, "form_id": sync.form_id}
    if sync.login == "password":
        email, password = login_decrypt(sync.token_encrypted)
        return OdkCentralSource(**ids, email=email, password=password)
    return OdkCentralSource(**ids, token=token_decrypt(sync.token_encrypted))


@sensitive_variables()
def partner_sync_save(
    *,
    instrument,
    organisation,
    kind,
    server,
    token="",
    email="",
    password="",
    user=None,
    **ids,
):
    """Connect a Kobo project / ODK form to ``instrument`` for ``organisation`` (a partner
    invited to the campaign). The credentials are encrypted before they are stored: an API
    token (KoboToolbox; an ODK Central session token), or for ODK Central a web user's
    ``email`` and ``password``, sent with HTTP Basic on each pull (a session token expires
    after 24 hours, so a scheduled sync needs them)."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from .models import PartnerSync

    if not instrument.campaign.partners.filter(pk=organisation.pk).exists():
        raise PermissionDenied
    try:
        server_address_check(server, allow_private=_allow_private())
    except SyncError as error:
        raise ValidationError({"server": str(error)}) from None
    login = PartnerSync.Login.PASSWORD if (email or password) else PartnerSync.Login.TOKEN
    if login == PartnerSync.Login.PASSWORD:
        if kind != "odk":
            raise ValidationError(
                {
                    "email": _(
                        "An e-mail and password are for ODK Central; KoboToolbox needs a token."
                    )
                }
            )
        if not (email and password):
            raise ValidationError({"password": _("Give both the web user's e-mail and password.")})
        secret = login_encrypt(email, password)
    elif not token:
        raise ValidationError(
            {
                "token": _("Give the API token.")
                if kind == "kobo"
                else _("Give a web user's e-mail and password (or a session token).")
            }
        )
    else:
        secret = token_encrypt(token)
    existing = PartnerSync.objects.filter(
        instrument=instrument,
        organisation=organisation,
        kind=kind,
        server=server,
        asset_uid=ids.get("asset_uid") or "" if kind == "kobo" else "",
        project_id=ids.get("project_id") if kind == "odk" else None,
        form_id=ids.get("form_id") or "" if kind == "odk" else "",
    ).first()
    if existing is not None:
        raise SyncExists(existing)
    sync = PartnerSync(
        campaign=instrument.campaign,
        instrument=instrument,
        organisation=organisation,
        kind=kind,
        server=server,
        asset_uid=ids.get("asset_uid") or "",
        project_id=ids.get("project_id"),
        form_id=ids.get("form_id") or "",
        login=login,
        token_encrypted=secret,
        created_by=user,
    )
    if kind == "kobo" and not sync.asset_uid:
        raise ValidationError(
            {"asset_uid": _("A KoboToolbox sync needs the project's id (asset uid).")}
        )
    if kind == "odk" and not (sync.project_id and sync.form_id):
        raise ValidationError(
            {"form_id": _("An ODK Central sync needs the project number and the form ID.")}
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
        # where it pulls from and how it signs in, never the credentials
        data={
            "kind": kind,
            "server": urllib.parse.urlsplit(server).netloc.rpartition("@")[2],
            "login": login,
        },
    )
    return sync


@sensitive_variables()
def partner_sync_replace_login(*, sync, token="", email="", password="", user=None) -> None:
    """Give a sync a new API token (or ODK Central web user's e-mail and password): checked
    against the server first (``partner_sync_probe``), then encrypted in place of the old
    one; audited without the credentials. Raises ``SyncError`` (refused) or
    ``ValidationError`` (incomplete)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from accounts.models import AuditEvent
    from accounts.services import audit_record

    from .models import PartnerSync

    if email or password:
        if sync.kind != "odk":
            raise ValidationError(
                _("An e-mail and password are for ODK Central; KoboToolbox needs a token.")
            )
        if not (email and password):
            raise ValidationError(_("Give both the web user's e-mail and password."))
        login, secret_of = PartnerSync.Login.PASSWORD, lambda: login_encrypt(email, password)
    elif token:
        login, secret_of = PartnerSync.Login.TOKEN, lambda: token_encrypt(token)
    else:
        raise ValidationError(_("Give the API token."))
    partner_sync_probe(
        kind=sync.kind,
        server=sync.server,
        token=token if login == PartnerSync.Login.TOKEN else "",
        asset_uid=sync.asset_uid,
        project_id=sync.project_id,
        form_id=sync.form_id,
        email=email if login == PartnerSync.Login.PASSWORD else "",
        password=password if login == PartnerSync.Login.PASSWORD else "",
    )
    sync.login = login
    sync.token_encrypted = secret_of()
    PartnerSync.objects.filter(pk=sync.pk).update(
        login=sync.login, token_encrypted=sync.token_encrypted
    )
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=sync,
        summary=f"{sync.get_kind_display()} sync's credentials replaced",
        data={"login": login},  # how it signs in, never the credentials
    )


@sensitive_variables()
def partner_sync_probe(
    *,
    kind: str,
    server: str,
    token: str = "",
    asset_uid: str = "",
    project_id=None,
    form_id="",
    email: str = "",
    password: str = "",
) -> None:
    """Before a form is connected: may these credentials read that project / form on that
    server? Reads the form's description only (kpi ``GET /api/v2/assets/{uid}/``, ODK
    Central ``GET /v1/projects/{id}/forms/{xmlFormId}``), never its submissions. Raises
    ``SyncError`` with a message for the person (a private address, an unknown server,
    refused credentials, no such project or form); the credentials are never in it."""
    server_address_check(server, allow_private=_allow_private())
    base = server.rstrip("/")
    if kind == "kobo":
        url = f"{base}/api/v2/assets/{urllib.parse.quote(asset_uid)}/?format=json"
        _get_json(url, authorization=f"Token {token}")
    else:
        source = OdkCentralSource(
            server=server,
            project_id=int(project_id or 0),
            form_id=form_id,
            token=token,
            email=email,
            password=password,
        )
        _get_json(source._form_url(), authorization=source.authorization)


def pull_stamp(sync) -> str:
    """What the sync's page saw of its last pull, sent back with "Pull now": a second click
    (or a second tab) on the same page finds the stamp changed and pulls nothing."""
    return str(int(sync.last_pulled_at.timestamp() * 1_000_000)) if sync.last_pulled_at else "0"


#: A pull marked as running longer than this is taken as dead (its worker was killed).
PULL_STALE_SECONDS = 60 * 30


def partner_sync_pull_start(*, sync) -> bool:
    """Mark the sync as being pulled, unless a pull (not older than its time limit) already
    is; returns whether this caller may pull. A conditional UPDATE, no lock held."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from .models import PartnerSync

    now = timezone.now()
    stale = now - timedelta(seconds=PULL_STALE_SECONDS)
    return bool(
        PartnerSync.objects.filter(pk=sync.pk)
        .filter(Q(pulling_since__isnull=True) | Q(pulling_since__lt=stale))
        .update(pulling_since=now)
    )


def partner_sync_run(*, sync, user=None, seen_stamp: str | None = None) -> bool:
    """Pull one sync now; the outcome (a new upload, nothing new, or why it failed) is stored
    on the sync for the partner to see. Returns whether it pulled.

    No row lock is held while the server is read: the sync is marked ``pulling_since``
    (``partner_sync_pull_start``), so a second pull of the same sync meanwhile pulls nothing;
    given the ``seen_stamp`` of the page "Pull now" was sent from, a pull finds that the
    sync was pulled since and pulls nothing either. Whatever goes wrong becomes the sync's
    message (the exception is logged), so one broken sync never stops the others. The new
    upload is recorded as the sync's ``last_upload`` before its row check is enqueued (on
    commit), so the check's rejected rows reach the sync's queue (``sync_issues_record``)."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from .models import PartnerSync

    fresh = PartnerSync.objects.filter(pk=sync.pk).first()
    if fresh is None:
        return False  # disconnected meanwhile
    if seen_stamp is not None and fresh.last_pulled_at is not None:
        if seen_stamp != pull_stamp(fresh):
            return False  # pulled since the page was shown: its result is there
    if not partner_sync_pull_start(sync=fresh):
        return False  # another pull of this sync is running
    token = _budget.set(PullBudget.fresh())
    try:
        try:
            if not fresh.instrument.campaign.partners.filter(pk=fresh.organisation_id).exists():
                raise PermissionDenied
            source = source_for(fresh)
            # The server is read (minutes, for a big form) before any transaction is open.
            exported = source.export()
            with transaction.atomic():
                upload = sync_pull(
                    source=source,
                    instrument=fresh.instrument,
                    organisation=fresh.organisation,
                    user=user,
                    sync=fresh,
                    exported=exported,
                )
                fresh.last_upload = upload or fresh.last_upload
                _set_last_message(
                    fresh,
                    "" if upload else Message(gettext_noop("The server has no submissions.")),
                )
                # stored before the upload's row check is enqueued (on commit)
                _store_outcome(fresh)
        except SyncError as error:
            _set_last_message(fresh, error.message)
            _store_outcome(fresh)
        except PermissionDenied:
            _set_last_message(
                fresh,
                Message(gettext_noop("The organisation is no longer a partner of this campaign.")),
            )
            fresh.active = False
            _store_outcome(fresh)
    except Exception:
        logger.exception("Partner sync %s could not be pulled", fresh.pk)
        fresh.refresh_from_db(fields=["last_upload", "active"])
        _set_last_message(fresh, Message(_PULL_FAILED))
        _store_outcome(fresh)
    finally:
        _budget.reset(token)
    for name in (*_OUTCOME_FIELDS, "last_upload_id"):
        setattr(sync, name, getattr(fresh, name))
    return True


_OUTCOME_FIELDS = (
    "last_upload",
    "last_message",
    "last_message_data",
    "last_pulled_at",
    "active",
    "pulling_since",
)


def _store_outcome(sync) -> None:
    from django.utils import timezone

    from .models import PartnerSync

    sync.last_pulled_at = timezone.now()
    sync.pulling_since = None
    PartnerSync.objects.filter(pk=sync.pk).update(
        **{name: getattr(sync, name) for name in _OUTCOME_FIELDS}
    )


_PULL_FAILED = gettext_noop(
    "The pull failed on the portal's side; the administrators were told. It is tried again "
    "at the next hourly pull."
)


def _set_last_message(sync, message: str) -> None:
    """The outcome of a pull, in English and as data (template and parameters), so the
    sync's page shows it in each viewer's language (``common.i18n.render_message``)."""
    sync.last_message = str(message)
    sync.last_message_data = message.data() if isinstance(message, Message) else {}


def partner_syncs_run_all() -> int:
    """Pull every active sync (the beat task); returns how many were pulled. A sync that
    fails stores why on itself; the others are still pulled."""
    from .models import PartnerSync

    count = 0
    for sync in PartnerSync.objects.filter(active=True).select_related(
        "instrument__campaign", "organisation"
    ):
        try:
            if partner_sync_run(sync=sync):
                count += 1
        except Exception:  # e.g. the database refused the outcome: the next sync still runs
            logger.exception("Partner sync %s could not be pulled", sync.pk)
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


def _rejected_submissions(problems) -> dict[str, tuple[list[str], list]]:
    """Each rejected submission's reasons (English) and, beside each, its template and
    parameters when the check stored them (``problem["messages"]``), else None."""
    rejected: dict[str, tuple[list[str], list]] = {}
    for problem in problems or []:
        key = str(problem.get("key") or "")[:100]
        if not key:
            continue
        reasons, data = rejected.setdefault(key, ([], []))
        stored = list(problem.get("messages") or [])
        for index, reason in enumerate(problem.get("reasons") or []):
            if reason not in reasons:
                reasons.append(reason)
                data.append(stored[index] if index < len(stored) else None)
    return rejected


def _checked_mapping(upload) -> dict:
    """The mapping the upload's rows were checked with (the partner's saved one)."""
    from .models import ColumnMapping

    saved = ColumnMapping.objects.filter(
        campaign_id=upload.campaign_id,
        organisation_id=upload.organisation_id,
        instrument_id=upload.instrument_id,
        export_format=upload.export_format,
    ).first()
    return saved.mapping if saved is not None else {}


def sync_issues_record(*, sync, upload, resolve: bool = True) -> None:
    """After the row check of a sync's upload (status "preview"): each rejected submission
    (by its stable id) is added to the sync's queue, or its reasons refreshed; a submission
    that waited and is no longer rejected was fixed at the source (a pull brings every
    submission of the form, so absent means accepted, already imported, or deleted there).
    With ``resolve=False`` (after a partial import) the rejected ones are added and nothing
    is marked fixed."""
    from django.db import transaction
    from django.utils import timezone

    from .models import SyncRowIssue
    from .uploads import upload_unit

    now = timezone.now()
    rejected = _rejected_submissions(upload.problems)
    unit = upload_unit(_checked_mapping(upload))
    with transaction.atomic():
        waiting = {
            issue.submission_key: issue
            for issue in SyncRowIssue.objects.select_for_update().filter(sync=sync)
        }
        if resolve and len(upload.problems or []) < PROBLEMS_KEPT:
            fixed = [
                issue.pk
                for key, issue in waiting.items()
                if key not in rejected
                and issue.resolved_at is None
                # keys of another unit (main ↔ repeat rows) are absent, not fixed
                and issue.unit == unit
            ]
            SyncRowIssue.objects.filter(pk__in=fixed).update(resolved_at=now, last_upload=upload)
        for key, (reasons, data) in rejected.items():
            issue = waiting.get(key)
            if issue is None:
                SyncRowIssue.objects.create(
                    sync=sync,
                    campaign_id=sync.campaign_id,
                    organisation_id=sync.organisation_id,
                    submission_key=key,
                    unit=unit,
                    reasons=reasons,
                    reason_data=data,
                    first_seen=now,
                    last_seen=now,
                    last_upload=upload,
                )
                continue
            if issue.resolved_at is not None:  # fixed once, rejected again: waits anew
                issue.first_seen, issue.resolved_at = now, None
            issue.reasons, issue.reason_data = reasons, data
            issue.last_seen, issue.last_upload, issue.unit = now, upload, unit
            issue.save()


def sync_import_refusal(problems) -> str:
    """Why the accepted rows of a sync's upload cannot be imported while the rejected ones
    wait in the queue ("" when they can): every rejected row must be listed in the queue
    (a row without a submission id cannot be, nor rows beyond the problems kept)."""
    from django.utils.translation import gettext as _

    problems = problems or []
    if len(problems) >= PROBLEMS_KEPT:
        return _(
            "More than %(n)s rows were rejected, too many to list them all in the queue; "
            "correct them at the source and pull again before importing."
        ) % {"n": PROBLEMS_KEPT}
    if any(not problem.get("key") for problem in problems):
        return _(
            "Some rejected rows have no submission id, so they cannot wait in the sync's "
            "queue; nothing can be imported until they are corrected at the source."
        )
    return ""


def sync_issues_resolve_stored(*, campaign_id: int) -> int:
    """Waiting submissions that are now stories of the campaign, stored for the sync's own
    organisation (imported by a pull's upload or by a corrected export uploaded by hand),
    are fixed. Returns how many."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from .models import Narrative, SyncRowIssue

    # the same submission id stored by another partner of the campaign is not this one
    stored = Narrative.objects.filter(
        campaign_id=campaign_id,
        organisation_id=OuterRef("organisation_id"),
        external_key=OuterRef("submission_key"),
    )
    return (
        SyncRowIssue.objects.filter(campaign_id=campaign_id, resolved_at__isnull=True)
        .filter(Exists(stored))
        .update(resolved_at=timezone.now())
    )


def on_upload_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """``post_save`` of an upload: when the row check of a sync's last upload ends, refresh
    that sync's queue; when a sync's upload is imported, add the rows it rejected
    (connected in ``ConsultationsConfig.ready``)."""
    from .models import PartnerSync, Upload

    if update_fields is None or "status" not in update_fields:
        return
    if instance.status == Upload.Status.PREVIEW:
        for sync in PartnerSync.objects.filter(last_upload=instance):
            sync_issues_record(sync=sync, upload=instance)
    elif instance.status == Upload.Status.IMPORTED and instance.sync_id:
        # The accepted rows were imported; every row the import rejected waits in the queue.
        for sync in PartnerSync.objects.filter(pk=instance.sync_id):
            sync_issues_record(sync=sync, upload=instance, resolve=False)


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
