"""The API's request and response models: what handlers read and answer, and what the OpenAPI document shows."""
