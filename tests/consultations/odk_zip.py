"""An ODK Central "CSV ZIP" download: the main table named after the form, one CSV per repeat
group (``<form>-<repeat>.csv``) linked by ``PARENT_KEY`` → ``KEY`` (a nested repeat's
``PARENT_KEY`` is a row of the outer repeat table), and the attachments under ``media/``."""

import csv
import io
import zipfile
from pathlib import Path

MAIN = [
    [
        "SubmissionDate",
        "consent",
        "story",
        "language",
        "meta-instanceID",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    ],
    [
        "2024-06-01T10:00:00.000Z",
        "yes",
        "Story one",
        "en",
        "uuid:odk-1",
        "uuid:odk-1",
        "5",
        "partner",
        "0",
        "0",
        "",
        "",
        "",
        "0",
        "v1",
    ],
    [
        "2024-06-02T10:00:00.000Z",
        "yes",
        "Story two",
        "en",
        "uuid:odk-2",
        "uuid:odk-2",
        "5",
        "partner",
        "0",
        "0",
        "",
        "",
        "",
        "0",
        "v1",
    ],
]
HOUSEHOLD = [
    ["village", "PARENT_KEY", "KEY"],
    ["Alto", "uuid:odk-1", "uuid:odk-1/household[1]"],
    ["Bajo", "uuid:odk-2", "uuid:odk-2/household[1]"],
    ["Centro", "uuid:odk-2", "uuid:odk-2/household[2]"],
]
MEMBER = [
    ["groups", "PARENT_KEY", "KEY"],
    ["women", "uuid:odk-1/household[1]", "uuid:odk-1/household[1]/member[1]"],
    ["migrants", "uuid:odk-2/household[2]", "uuid:odk-2/household[2]/member[1]"],
    ["persons_with_disabilities", "uuid:odk-2/household[1]", "uuid:odk-2/household[1]/member[1]"],
]


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def build(path: Path, *, member=MEMBER, with_main=True) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        if with_main:
            archive.writestr("voices.csv", _csv(MAIN))
        archive.writestr("voices-household.csv", _csv(HOUSEHOLD))
        archive.writestr("voices-member.csv", _csv(member))
        archive.writestr("media/photo.jpg", b"\xff\xd8\xff")
    return path


def repeat_table(path: Path) -> Path:
    path.write_bytes(_csv(HOUSEHOLD))
    return path
