"""OpenAPI post-processing, so the schema says what the API does:

- every operation documents the structured error answers it can give;
- no string may hold a NUL character (config.middleware.RejectNulMiddleware refuses it everywhere);
- request bodies refuse unknown fields (api.v1.serializers.StrictFields): additionalProperties is false;
- a unit's structure is one of the two.
"""

from typing import Any

from tenants.models import Structure

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "The period starts after it ends."},
                "field": {"type": "string", "nullable": True, "example": "to"},
                "details": {
                    "type": "array",
                    "description": "every problem, when there are several",
                    "items": {
                        "type": "object",
                        "required": ["code", "message", "field"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "field": {"type": "string", "nullable": True},
                        },
                    },
                },
            },
        }
    },
}
ERRORS = {
    "400": "Bad input: the error names the field",
    "401": "No key, an unknown key or a revoked key",
    "403": "The key lacks the scope this call needs",
    "404": "No such unit, or outside the key's reach for this call (the two look the same)",
    "429": "Over the client's rate limit, or too many calls without a valid key; see Retry-After",
}
NO_NUL = "^[^\\u0000]*$"
# A required text (minLength 1) is stripped of Python's whitespace first, so it needs one other character.
WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
NOT_BLANK = f"^[^\\u0000]*[^\\u0000{WHITESPACE}][^\\u0000]*$"


def _no_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema):
        schema["pattern"] = NOT_BLANK if schema.get("minLength", 0) >= 1 else NO_NUL


def _strict(schema: dict, components: dict, seen: set[str]) -> None:
    """additionalProperties: false and NUL-free strings, through the body schema and what it refers to."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _strict(components[name], components, seen)
        return
    _no_nul(schema)
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)
    for child in schema.get("properties", {}).values():
        _strict(child, components, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _strict(schema[key], components, seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for child in schema.get(key, []):
            _strict(child, components, seen)


def add_error_responses(
    result: dict[str, Any], generator: object, request: object, public: bool
) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    seen: set[str] = set()
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "structure":
                    parameter["schema"] = {"type": "string", "enum": list(Structure.values)}
                _no_nul(parameter.get("schema", {}))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _strict(content["schema"], components, seen)
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
