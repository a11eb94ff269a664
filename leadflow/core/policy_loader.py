"""Load YAML into pydantic models; every error names file, line and field."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from leadflow.core.errors import ConfigError

M = TypeVar("M", bound="PolicyModel")
Path_ = tuple[Any, ...]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyModel(StrictModel):
    """A whole policy file: carries the version stamped on every decision it makes."""

    version: int
    config_version: str = ""

    def reference_errors(self) -> list[tuple[tuple[Any, ...], str]]:
        """Cross-references that do not resolve, as (location, message); none by default."""
        return []


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. Under 1.1, Norway's code NO would load as False."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Yaml12Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list(_first),
    )


def _to_python(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], loader: yaml.SafeLoader
) -> Any:
    # A mapping value is located at its key's line (already recorded), not where it starts.
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, path + (key,), lines, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, path + (i,), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _line_of(loc: Path_, lines: dict[Path_, int]) -> int | None:
    # pydantic may name a field that is absent; fall back to its nearest parent.
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def load_policy(path: Path, model: type[M]) -> M:
    """Parse and validate one policy file; nothing runs on half a config.

    Every batch asks for its policies, and parsing and validating YAML cost more than the
    batch's own work on small files: the parsed model is kept per (path, model, file text),
    so an edited file is parsed again at once and an unchanged one never (models are frozen,
    so the shared instance cannot be changed by whoever holds it).
    """
    if not path.is_file():
        raise ConfigError(str(path), None, None, "file not found")
    return _parsed(path, model, path.read_text(encoding="utf-8"))  # type: ignore[return-value]


@lru_cache(maxsize=64)
def _parsed(path: Path, model: type[PolicyModel], text: str) -> PolicyModel:
    try:
        loader = _Yaml12Loader(text)
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(str(path), mark.line + 1 if mark else None, None, str(exc)) from exc
    lines: dict[Path_, int] = {}
    data = _to_python(root, (), lines, loader) if root is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), 1, None, "expected a mapping at the top level")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    data["config_version"] = f"{path.stem}@v{data.get('version', '?')}+{digest}"
    try:
        policy = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise _located(path, tuple(first["loc"]), first["msg"] + extra, lines) from exc
    problems = policy.reference_errors()
    if problems:
        loc, message = problems[0]
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise _located(path, loc, message + extra, lines)
    return policy


def _located(path: Path, loc: Path_, message: str, lines: dict[Path_, int]) -> ConfigError:
    field = ".".join(str(part) for part in loc) or None
    return ConfigError(str(path), _line_of(loc, lines), field, message)
