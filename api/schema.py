"""The OpenAPI schema: every operation also documents the refusals it can give."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .serializers import Error

ERRORS_BY_FIELD = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"status": ["Select a valid choice. soon is not one of the available choices."]},
}


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        refusals = {
            "401": OpenApiResponse(
                Error, description="No token, or one that is not recognised, was revoked or has expired"
            ),
            "403": OpenApiResponse(Error, description="Your role does not let you read these records"),
            "404": OpenApiResponse(
                Error,
                description="No such record, or one of another team's (the API does not say which); "
                "on a list, a page past the last",
            ),
        }
        if self._is_list_view():
            refusals["400"] = OpenApiResponse(ERRORS_BY_FIELD, description="A query parameter was not understood")
        for code, response in refusals.items():
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return responses
