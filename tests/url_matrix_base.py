"""Building blocks of the role × URL matrix.

Used by tests/test_url_matrix.py and each app's tests/<app>/url_matrix.py.

Roles, in order: anonymous, partner_own (a CSO partner whose organisation owns the object in
the URL), partner_other (a CSO partner of another organisation), unct, rco.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from .conftest import ROLES


@dataclass(frozen=True)
class Entry:
    expected: dict[str, int]
    kwargs: Callable = field(default=lambda p: {})
    method: str = "get"


def statuses(anonymous, partner_own, partner_other, unct, rco) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, partner_own, partner_other, unct, rco), strict=True))


PUBLIC = statuses(200, 200, 200, 200, 200)
MEMBERS = statuses(302, 200, 200, 200, 200)  # any signed-in person
RCO_ONLY = statuses(302, 403, 403, 403, 200)
ANON_ONLY = statuses(200, 302, 302, 302, 302)  # e.g. the sign-in page
API_MEMBERS = statuses(401, 200, 200, 200, 200)
API_PUBLIC = statuses(200, 200, 200, 200, 200)
RCO_OBJECT = statuses(302, 404, 404, 404, 200)
API_RCO_OBJECT = statuses(401, 404, 404, 404, 200)
READ_ONLY_POST = statuses(302, 403, 403, 403, 302)
STEWARD_ONLY = statuses(302, 403, 403, 403, 403)  # vocabulary stewards have no portal role
