"""marshmallow schemas: request validation, responses and the OpenAPI document."""
