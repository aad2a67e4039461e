"""OpenAPI post-processing: every operation documents the structured error answers it can give."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "The period starts after it ends."},
                "field": {"type": "string", "nullable": True, "example": "to"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
ERRORS = {
    "400": "Bad input: the error names the field",
    "401": "No key, an unknown key or a revoked key",
    "403": "The key lacks the scope this call needs",
    "404": "No such unit, or outside the key's subtree (the two look the same)",
    "429": "Over the client's rate limit; see Retry-After",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for operation in path.values():
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
