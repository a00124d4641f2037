"""CDS Hooks 2.0 request bodies, validated with marshmallow.

A violation becomes HTTP 400 with a JSON body naming each field; unknown
top-level fields are allowed, as the specification lets clients extend requests.
"""

from __future__ import annotations

from functools import cache

from marshmallow import (
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from ..fhir.ids import is_fhir_id, is_typed_id

__all__ = ["CONTEXT_SCHEMAS", "FeedbackRequest", "HookRequest", "ValidationError"]

# The ids the service puts in URLs (the prefetch queries, reads from fhirServer): FHIR's grammar, and not
# "." or "..", which a URL path reads as "here" and "up" (see fhir/ids.py).
NOT_AN_ID = "must be a FHIR id (1 to 64 of A-Z a-z 0-9 - ., and not '.' or '..')"


def _fhir_id(value: str) -> None:
    if not is_fhir_id(value):
        raise ValidationError(NOT_AN_ID)


def _typed_id(value: str) -> None:
    if not is_typed_id(value):
        raise ValidationError("must be [ResourceType]/[id] with a FHIR id (CDS Hooks 2.0), e.g. Practitioner/abc")


class WholeNumber(fields.Integer):
    """A JSON integer: 300 or 300.0 (JSON does not tell them apart), never "300", true or 300.5."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise self.make_error("invalid")
        return super()._validated(int(value))


class FhirAuthorization(Schema):
    class Meta:
        unknown = INCLUDE

    access_token = fields.String(required=True, validate=validate.Length(min=1))
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = WholeNumber(required=True, validate=validate.Range(min=0))
    scope = fields.String(required=True)
    subject = fields.String(required=True)
    patient = fields.String()


class PatientViewContext(Schema):
    class Meta:
        unknown = INCLUDE

    userId = fields.String(required=True, validate=_typed_id)
    patientId = fields.String(required=True, validate=_fhir_id)
    encounterId = fields.String(validate=_fhir_id)


class Bundle(fields.Dict):
    """A FHIR Bundle as JSON: resourceType Bundle and a list of entries."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.get("resourceType") != "Bundle" or not isinstance(value.get("entry", []), list):
            raise ValidationError("must be a FHIR Bundle (resourceType 'Bundle', entry a list)")
        return value


class OrderSignContext(PatientViewContext):
    draftOrders = Bundle(required=True)


CONTEXT_SCHEMAS = {"patient-view": PatientViewContext, "order-sign": OrderSignContext}


@cache
def _context_schema(hook: str) -> Schema:
    return CONTEXT_SCHEMAS[hook]()  # built once: marshmallow schemas keep nothing between loads


class HookRequest(Schema):
    class Meta:
        unknown = INCLUDE

    hook = fields.String(required=True)
    hookInstance = fields.UUID(required=True)
    fhirServer = fields.Url(require_tld=False, schemes={"https", "http"})
    fhirAuthorization = fields.Nested(FhirAuthorization, allow_none=True)
    context = fields.Dict(required=True)
    prefetch = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))

    def __init__(self, expected_hook: str, **kwargs):
        super().__init__(**kwargs)
        self.expected_hook = expected_hook

    @validates_schema
    def check(self, data, **kwargs):
        if data.get("hook") != self.expected_hook:
            raise ValidationError(f"this service answers '{self.expected_hook}'", "hook")
        if data.get("fhirAuthorization") and not data.get("fhirServer"):
            raise ValidationError("fhirAuthorization needs fhirServer", "fhirServer")
        try:
            data["context"] = _context_schema(self.expected_hook).load(data.get("context") or {})
        except ValidationError as error:
            raise ValidationError({"context": error.messages}) from None
        for key, value in (data.get("prefetch") or {}).items():
            if value is not None and not (isinstance(value, dict) and isinstance(value.get("resourceType"), str)):
                raise ValidationError({"prefetch": {key: ["must be a FHIR resource or null"]}})


class AcceptedSuggestion(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True)


class OverrideReason(Schema):
    class Meta:
        unknown = RAISE  # a misspelt field would be dropped silently: refused, named

    reason = fields.Dict()
    userComment = fields.String()


class FeedbackItem(Schema):
    class Meta:
        unknown = RAISE  # e.g. "overriddeReason": refused and named, never stored without its reason

    card = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["accepted", "overridden"]))
    acceptedSuggestions = fields.List(fields.Nested(AcceptedSuggestion))
    overrideReason = fields.Nested(OverrideReason)
    outcomeTimestamp = fields.DateTime(required=True)

    @validates_schema
    def check(self, data, **kwargs):
        if data["outcome"] == "accepted" and data.get("overrideReason"):
            raise ValidationError("only an overridden card has an overrideReason", "overrideReason")
        if data["outcome"] == "overridden" and data.get("acceptedSuggestions"):
            raise ValidationError("an overridden card has no acceptedSuggestions", "acceptedSuggestions")


class FeedbackRequest(Schema):
    class Meta:
        unknown = RAISE

    feedback = fields.List(fields.Nested(FeedbackItem), required=True, validate=validate.Length(min=1))
