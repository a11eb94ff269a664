"""Policy files (YAML) loaded into strict pydantic models."""
