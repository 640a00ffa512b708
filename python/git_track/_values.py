"""Checking values the way the manifest requires, and writing staging files atomically."""

from __future__ import annotations

import json
import math
import numbers
import os
from typing import Any


def scalar(value: Any) -> Any:
    """A param value as JSON can hold it; anything else becomes its text (as MLflow does)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    return str(value)


def param(value: Any) -> Any:
    """A param: a scalar, or a flat list of scalars."""
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (list, tuple, dict)) for v in value):
        return [scalar(v) for v in value]
    return scalar(value)


def metric(name: str, value: Any) -> float:
    """A metric value: a finite number (numpy scalars and 0-d arrays too)."""
    if hasattr(value, "item") and not isinstance(value, numbers.Real):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError("metric %r must be a finite number, got %r" % (name, value))
    v = float(value)
    if not math.isfinite(v):
        raise ValueError("metric %r must be a finite number, got %r" % (name, value))
    return v


def check_name(name: Any, what: str) -> str:
    """A param, metric or tag name: dot-separated segments without spaces or '='."""
    if not isinstance(name, str) or not name or any(c.isspace() or c == "=" for c in name) or "" in name.split("."):
        raise ValueError("invalid %s name %r: names are dot-separated segments without spaces or '='" % (what, name))
    return name


def check_relative(path: str, what: str) -> str:
    """A path recorded inside a run: relative, '/'-separated, no '..' or empty segments."""
    norm = path.replace(os.sep, "/").strip("/")
    if not norm or os.path.isabs(path) or any(s in ("", ".", "..") for s in norm.split("/")):
        raise ValueError("%s %r must be a relative path without '..'" % (what, path))
    return norm


def write_json(path: str, value: Any) -> None:
    """Write JSON under a temp name renamed into place, so a reader never sees half of it."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)
