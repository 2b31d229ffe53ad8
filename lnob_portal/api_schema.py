"""OpenAPI post-processing: document the error answers every endpoint can give.

drf-spectacular documents only the success response; clients (and schemathesis in CI) need
to know that a request can also be refused. The bodies are DRF's: ``{"detail": "..."}`` for
401/403/404, and the validation errors (an object of field -> messages, or a list) for 400.
"""

from __future__ import annotations

DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
VALIDATION = {"$ref": "#/components/schemas/ValidationErrors"}
COMPONENTS = {
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "oneOf": [
            {"type": "object", "additionalProperties": {}},
            {"type": "array", "items": {"type": "string"}},
        ],
        "description": "Field name -> list of messages (``non_field_errors`` for the "
        "whole request), or a list of messages.",
    },
}
METHODS = ("get", "put", "patch", "post", "delete")


def _response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def add_error_responses(result, generator, request, public):
    """A ``POSTPROCESSING_HOOKS`` entry: add 400/401/403/404 where the endpoint can give them."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    for path, operations in result.get("paths", {}).items():
        if path.endswith("/schema/"):
            continue
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            errors = {}
            # Filters, pagination and bodies are validated; path ids are looked up.
            if operation.get("parameters") or "requestBody" in operation:
                errors["400"] = _response("The request is not valid.", VALIDATION)
            security = operation.get("security", [])
            if security and {} not in security:
                errors["401"] = _response("Not signed in.", DETAIL)
                errors["403"] = _response("Your role does not allow this.", DETAIL)
            # Detail views: not found or not visible to you; lists: a page that does not exist.
            parameters = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in parameters:
                errors["404"] = _response("Not found.", DETAIL)
            for code, response in errors.items():
                responses.setdefault(code, response)
    return result
