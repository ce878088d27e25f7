"""Typed request and response models, route declarations, and the OpenAPI document made from them."""

from edge.web.schema.endpoint import Access, ApiRoutes, Raw, read_body, read_path, read_query, reply
from edge.web.schema.jsonschema import AllOf
from edge.web.schema.meta import Meta

__all__ = ["Access", "AllOf", "ApiRoutes", "Meta", "Raw", "read_body", "read_path", "read_query", "reply"]
