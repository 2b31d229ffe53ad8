"""Requests that no page can answer sensibly, refused before any view sees them."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


class RejectNulBytesMiddleware:
    """A NUL byte in a query parameter or form field answers 400.

    PostgreSQL text cannot hold NUL, so such a value reaching a query or a save is a server
    error (SQLite accepts it); no legitimate form or link produces one. Uploaded files are
    not inspected: only names and values of the query string and of urlencoded/multipart
    fields.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET):
            message = _("The address contains a character that is not allowed.")
        elif request.method == "POST" and _has_nul(request.POST):
            message = _("The form contains a character that is not allowed.")
        else:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _has_nul(query) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())
