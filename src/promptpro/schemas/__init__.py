"""Pydantic models on the wire: `XCreate` / `XUpdate` / `XRead`, camelCase in JSON."""
