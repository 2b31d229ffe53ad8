"""Writes kobo_export.xlsx: a KoboToolbox XLSX export with a repeat-group sheet.

Run from this folder with the project's virtualenv (``python make_kobo_xlsx.py``) if the
fixture needs to change; the tests read the committed file. Like Kobo, the first sheet holds
the submissions and is named after the form; the repeat group ``household_members`` has its
own sheet whose rows point at a submission through ``_parent_index``.
"""

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

MAIN = [
    "start",
    "end",
    "consent",
    "story_group/story_title",
    "story_group/story",
    "story_group/story_date",
    "triad_1/money",
    "triad_1/family",
    "triad_1/luck",
    "dyad_1",
    "identity/groups",
    "identity/groups/women",
    "identity/groups/persons_with_disabilities",
    "identity/groups/migrants",
    "identity/groups/none",
    "identity/groups/prefer_not_to_say",
    "identity/age_band",
    "identity/sex",
    "language",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "meta/rootUuid",
    "_index",
]
ROWS = [
    [
        "2024-05-02T09:10:00.000+02:00",
        "2024-05-02T09:25:00.000+02:00",
        "yes",
        "Harvest",
        "The rains came late and the harvest failed; the cooperative lent us seed.",
        dt.datetime(2024, 4, 28),
        25,
        50,
        25,
        60,
        "women",
        1,
        0,
        0,
        0,
        0,
        "40_59",
        "female",
        "en",
        3001,
        "4a6c8e0f-1b3d-4f5a-9c7e-2d4f6a8c0e11",
        "2024-05-02T07:30:12",
        "validation_status_approved",
        "",
        "submitted_via_web",
        "partner_a",
        "vX9",
        "",
        "uuid:4a6c8e0f-1b3d-4f5a-9c7e-2d4f6a8c0e11",
        1,
    ],
    [
        "2024-05-03T15:00:00.000+02:00",
        "2024-05-03T15:12:00.000+02:00",
        "oui",
        "Carte d'identité",
        "Sans carte d'identité, je ne peux pas ouvrir de compte.",
        dt.datetime(2024, 5, 1),
        0,
        10,
        90,
        5,
        "migrants none",
        0,
        0,
        1,
        1,
        0,
        "prefer_not_to_say",
        "male",
        "fr",
        3002,
        "8d0f2b4c-6e8a-4c1e-b3d5-7f9a1c3e5b22",
        "2024-05-03T13:14:55",
        "",
        "",
        "submitted_via_web",
        "partner_a",
        "vX9",
        "",
        "uuid:8d0f2b4c-6e8a-4c1e-b3d5-7f9a1c3e5b22",
        2,
    ],
]
REPEAT = [
    "household_members/member_age",
    "household_members/member_role",
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
]
REPEAT_ROWS = [
    [
        34,
        "head",
        1,
        "Community stories",
        1,
        3001,
        "4a6c8e0f-1b3d-4f5a-9c7e-2d4f6a8c0e11",
        "2024-05-02T07:30:12",
        "",
        "",
        "submitted_via_web",
        "partner_a",
        "vX9",
        "",
    ],
    [
        9,
        "child",
        2,
        "Community stories",
        1,
        3001,
        "4a6c8e0f-1b3d-4f5a-9c7e-2d4f6a8c0e11",
        "2024-05-02T07:30:12",
        "",
        "",
        "submitted_via_web",
        "partner_a",
        "vX9",
        "",
    ],
    [
        61,
        "head",
        3,
        "Community stories",
        2,
        3002,
        "8d0f2b4c-6e8a-4c1e-b3d5-7f9a1c3e5b22",
        "2024-05-03T13:14:55",
        "",
        "",
        "submitted_via_web",
        "partner_a",
        "vX9",
        "",
    ],
]


def main() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Community stories"
    sheet.append(MAIN)
    for row in ROWS:
        sheet.append(row)
    repeat = workbook.create_sheet("household_members")
    repeat.append(REPEAT)
    for row in REPEAT_ROWS:
        repeat.append(row)
    workbook.save(Path(__file__).with_name("kobo_export.xlsx"))


if __name__ == "__main__":
    main()
