"""A KoboToolbox XLSX export with a repeat nested in a repeat, as formpack writes it.

The main sheet is named after the form; the repeat ``household`` points at it, and the nested
repeat ``member`` points at ``household`` rows: its ``_parent_index`` is a ``household``
``_index``, never a main-sheet one. Every repeat sheet carries ``_index``,
``_parent_table_name``, ``_parent_index`` and the submission's ``_submission__id`` /
``_submission__uuid``. The numbers are chosen so that reading a member's ``_parent_index`` as
a main-sheet ``_index`` sends members to the wrong submission.
"""

from pathlib import Path

from openpyxl import Workbook

FORM = "Household voices"
SUBMISSIONS = {  # main _index: (_id, _uuid)
    "1": ("501", "11111111-0000-4000-8000-000000000001"),
    "2": ("502", "22222222-0000-4000-8000-000000000002"),
    "3": ("503", "33333333-0000-4000-8000-000000000003"),
}
MAIN = ["consent", "story", "language", "_id", "_uuid", "_submission_time", "_index"]
REPEAT_META = [
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
]
# household rows: (_index, parent main _index, village)
HOUSEHOLDS = [("1", "1", "Alto"), ("2", "1", "Bajo"), ("3", "2", "Centro"), ("4", "3", "Delta")]
# member rows: (_index, parent household _index, age, groups, submission main _index)
MEMBERS = [
    ("1", "1", 12, "women", "1"),
    ("2", "2", 36, "migrants", "1"),
    ("3", "3", 60, "women migrants", "2"),
    ("4", "4", 8, "", "3"),
    ("5", "3", 40, "persons_with_disabilities", "2"),
]


def build(path: Path, *, members=MEMBERS, member_uuid_override: dict | None = None) -> Path:
    workbook = Workbook()
    main = workbook.active
    main.title = FORM
    main.append(MAIN)
    for index, (id_, uuid) in SUBMISSIONS.items():
        main.append(
            [
                "yes",
                f"Story {index}",
                "en",
                int(id_),
                uuid,
                f"2024-06-0{index}T10:00:00",
                int(index),
            ]
        )
    household = workbook.create_sheet("household")
    household.append(["household/village", *REPEAT_META])
    for index, parent, village in HOUSEHOLDS:
        id_, uuid = SUBMISSIONS[parent]
        household.append([village, int(index), FORM, int(parent), int(id_), uuid, "2024-06-01"])
    member = workbook.create_sheet("member")
    member.append(["household/member/age", "household/member/groups", *REPEAT_META])
    for index, parent, age, groups, owner in members:
        id_, uuid = SUBMISSIONS[owner]
        uuid = (member_uuid_override or {}).get(index, uuid)
        member.append(
            [age, groups, int(index), "household", int(parent), int(id_), uuid, "2024-06-01"]
        )
    workbook.save(path)
    return path
