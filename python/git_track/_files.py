"""Artifacts made from Python objects: text, dicts, figures, images, tables."""

from __future__ import annotations

import json
import math
import os
import struct
import zlib
from typing import Any, Dict, Optional

from ._errors import GitTrackError
from ._fluent import current, writer_for
from ._values import check_name


def log_text(text: str, artifact_file: str, run_id: Optional[str] = None) -> None:
    """Write ``text`` (UTF-8) as the artifact ``artifact_file``."""
    with open(writer_for(run_id).artifact_target(artifact_file), "w", encoding="utf-8") as f:
        f.write(text)


def log_dict(dictionary: Dict[str, Any], artifact_file: str, run_id: Optional[str] = None) -> None:
    """Write a dict as JSON, or as YAML when ``artifact_file`` ends in .yaml/.yml (with PyYAML
    when installed; else as JSON, which every YAML reader reads)."""
    target = writer_for(run_id).artifact_target(artifact_file)
    with open(target, "w", encoding="utf-8") as f:
        if artifact_file.endswith((".yaml", ".yml")):
            try:
                import yaml  # type: ignore[import-untyped]

                yaml.safe_dump(dictionary, f, default_flow_style=False, sort_keys=False)
                return
            except ImportError:
                pass
        json.dump(dictionary, f, indent=2)


def log_figure(figure: Any, artifact_file: str, *, save_kwargs: Optional[Dict[str, Any]] = None) -> None:
    """Save a matplotlib figure (format from the extension: .png, .svg, .pdf, ...) or a plotly
    figure (.html, or an image format when kaleido is installed) as an artifact."""
    target = current().artifact_target(artifact_file)
    kwargs = dict(save_kwargs or {})
    if hasattr(figure, "savefig"):
        figure.savefig(target, **kwargs)
    elif hasattr(figure, "write_html") and artifact_file.endswith(".html"):
        figure.write_html(target, **kwargs)
    elif hasattr(figure, "write_image"):
        figure.write_image(target, **kwargs)
    else:
        raise GitTrackError("log_figure: %s is neither a matplotlib nor a plotly figure" % type(figure).__name__)


def log_image(image: Any, artifact_file: Optional[str] = None, key: Optional[str] = None, step: Optional[int] = None,
              timestamp: Optional[int] = None, synchronous: Optional[bool] = False) -> None:
    """Save a numpy array (H×W, H×W×1/3/4; floats in [0, 1] or integers in [0, 255]) or a PIL
    image as a PNG artifact: at ``artifact_file``, or with ``key`` (and ``step``) as one image of
    a series, ``images/<key>/step_<step>.png`` (MLflow's image series)."""
    if (artifact_file is None) == (key is None):
        raise ValueError("log_image: give either artifact_file or key")
    if key is not None:
        check_name(key, "image key")
        artifact_file = "images/%s/step_%06d.png" % (key, 0 if step is None else int(step))
    elif step is not None:
        raise ValueError("log_image: step goes with key, not artifact_file")
    target = current().artifact_target(artifact_file)  # type: ignore[arg-type]
    if hasattr(image, "save") and hasattr(image, "mode"):
        image.save(target)
        return
    with open(target, "wb") as f:
        f.write(png_bytes(image))


def png_bytes(array: Any) -> bytes:
    """A numpy-like array as PNG bytes (standard library only)."""
    shape = getattr(array, "shape", None)
    if shape is None or len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (1, 3, 4)):
        raise GitTrackError("log_image: expected an H×W or H×W×(1|3|4) array, got shape %r" % (shape,))
    kind = getattr(getattr(array, "dtype", None), "kind", "f")
    values = array.tolist()
    height, width = shape[0], shape[1]
    channels = 1 if len(shape) == 2 else shape[2]

    def to_byte(v: Any) -> int:
        if kind == "f":
            if not 0.0 <= v <= 1.0:
                raise GitTrackError("log_image: float pixel values must lie in [0, 1], got %r" % v)
            return int(round(v * 255))
        if kind == "b":
            return 255 if v else 0
        if not 0 <= v <= 255:
            raise GitTrackError("log_image: integer pixel values must lie in [0, 255], got %r" % v)
        return int(v)

    rows = bytearray()
    for row in values:
        rows.append(0)  # filter: none
        for px in row:
            for v in (px if isinstance(px, list) else [px]):
                rows.append(to_byte(v))
    color = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))


def log_table(data: Any, artifact_file: str, run_id: Optional[str] = None) -> None:
    """Save a table -- a dict of columns or a pandas DataFrame -- as JSON in MLflow's format
    (``{"columns": [...], "data": [[...], ...]}``). Logging to the same file again appends rows."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        columns = [str(c) for c in data.columns]
        rows = [[_plain(v) for v in row] for row in data.itertuples(index=False, name=None)]
    elif isinstance(data, dict):
        columns = [str(c) for c in data]
        lists = [list(v) if isinstance(v, (list, tuple)) or hasattr(v, "tolist") else [v] for v in data.values()]
        if len({len(c) for c in lists}) > 1:
            raise GitTrackError("log_table: columns of different lengths (%s)" % ", ".join(
                "%s: %d" % (c, len(v)) for c, v in zip(columns, lists)))
        rows = [[_plain(v) for v in row] for row in zip(*lists)]
    else:
        raise GitTrackError("log_table: expected a dict of columns or a pandas DataFrame, got %s" % type(data).__name__)
    target = writer_for(run_id).artifact_target(artifact_file)
    if os.path.exists(target):
        with open(target) as f:
            old = json.load(f)
        if old.get("columns") != columns:
            raise GitTrackError("log_table: %s already holds columns %s, not %s" % (artifact_file, old.get("columns"), columns))
        rows = old["data"] + rows
    with open(target, "w") as f:
        json.dump({"columns": columns, "data": rows}, f)


def _plain(v: Any) -> Any:
    if hasattr(v, "item"):
        try:
            return v.item()
        except (TypeError, ValueError):
            pass
    if isinstance(v, float) and not math.isfinite(v):
        return None  # JSON has no NaN or infinity: an empty cell, as pandas writes it
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)
