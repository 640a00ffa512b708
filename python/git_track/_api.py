"""The logging calls of MLflow's fluent API, on the active run (or the open run ``run_id`` names)."""

from __future__ import annotations

import os
import subprocess
from typing import Any, Dict, Optional

from ._errors import GitTrackError
from ._fluent import current, writer_for

_work_trees: Dict[str, Optional[str]] = {}


def log_param(key: str, value: Any, synchronous: Optional[bool] = None) -> Any:
    """Log a param; returns the value, as MLflow. A param keeps its first value: a different one raises."""
    current().log_params({key: value})
    return value


def log_params(params: Dict[str, Any], synchronous: Optional[bool] = None, run_id: Optional[str] = None) -> None:
    """Log several params."""
    writer_for(run_id).log_params(params)


def log_metric(key: str, value: float, step: Optional[int] = None, synchronous: Optional[bool] = None,
               timestamp: Optional[int] = None, run_id: Optional[str] = None) -> None:
    """Log one metric value at ``step`` (default 0, as MLflow); ``timestamp`` in epoch milliseconds.
    A metric logged more than once is recorded as a series; the run's value is the last one.
    A value that is not a finite number raises ValueError naming the metric."""
    writer_for(run_id).log_metric(key, value, step, timestamp)


def log_metrics(metrics: Dict[str, float], step: Optional[int] = None, synchronous: Optional[bool] = None,
                run_id: Optional[str] = None, timestamp: Optional[int] = None) -> None:
    """Log several metrics at the same step."""
    writer = writer_for(run_id)
    for k, v in metrics.items():
        writer.log_metric(k, v, step, timestamp)


def set_tag(key: str, value: Any, synchronous: Optional[bool] = None) -> None:
    """Set a tag (its value is kept as text). ``mlflow.runName`` and ``mlflow.note.content`` set
    the run's name and note, as in MLflow."""
    set_tags({key: value})


def set_tags(tags: Dict[str, Any], synchronous: Optional[bool] = None) -> None:
    """Set several tags."""
    writer = current()
    own = dict(tags)
    if "mlflow.runName" in own:
        writer.set_name(str(own.pop("mlflow.runName")))
    if "mlflow.note.content" in own:
        writer.set_note(str(own.pop("mlflow.note.content")))
    if own:
        writer.set_tags(own)


def delete_tag(key: str) -> None:
    """Remove a tag from the active run."""
    current().delete_tag(key)


def _work_tree() -> Optional[str]:
    cwd = os.getcwd()
    if cwd not in _work_trees:
        try:
            r = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True)
            _work_trees[cwd] = os.path.realpath(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else None
        except OSError:
            _work_trees[cwd] = None
    return _work_trees[cwd]


def _in_work_tree(path: str) -> Optional[str]:
    """``path`` relative to the work tree ('/'-separated), or None when it lies outside."""
    root = _work_tree()
    if not root:
        return None
    full = os.path.realpath(path)
    rel = os.path.relpath(full, root)
    if rel == "." or rel.startswith(".." + os.sep) or rel == ".." or os.path.isabs(rel):
        return None
    parts = rel.split(os.sep)
    return None if parts[0] == ".git" else "/".join(parts)


def log_artifact(local_path: str, artifact_path: Optional[str] = None, run_id: Optional[str] = None) -> None:
    """Keep a file or directory as an artifact. It is copied now (later changes are not recorded).

    Recorded as ``artifact_path/<name>`` when ``artifact_path`` is given (as MLflow), else under
    its path relative to the work tree (``models/churn.pkl`` stays ``models/churn.pkl``, so
    ``git-track get`` restores it where it was), else, outside the work tree, under its name."""
    if not os.path.exists(local_path):
        raise FileNotFoundError("artifact not found: %s" % local_path)
    name = os.path.basename(os.path.normpath(os.path.abspath(local_path)))
    if artifact_path:
        recorded = artifact_path.strip("/") + "/" + name
    else:
        recorded = _in_work_tree(local_path) or name
    writer_for(run_id).add_artifact(local_path, recorded)


def log_artifacts(local_dir: str, artifact_path: Optional[str] = None, run_id: Optional[str] = None) -> None:
    """Keep the files of a directory as artifacts, under ``artifact_path`` when given (as MLflow),
    else under the directory's path relative to the work tree (outside it: at the top)."""
    if not os.path.isdir(local_dir):
        raise FileNotFoundError("artifact directory not found: %s" % local_dir)
    writer = writer_for(run_id)
    base = artifact_path.strip("/") if artifact_path else _in_work_tree(local_dir)
    for entry in sorted(os.listdir(local_dir)):
        writer.add_artifact(os.path.join(local_dir, entry), base + "/" + entry if base else entry)


def log_input(dataset: Any, context: Optional[str] = None, tags: Optional[Dict[str, str]] = None) -> None:
    """Record a dataset the run read: its ``name``, ``digest`` and ``source`` (an MLflow
    ``Dataset``, any object with those attributes, or a dict). A source that is a file or
    directory in the work tree becomes a hashed data entry of the manifest; any other source is
    kept as a declared data version ``name@digest``."""
    def field(key: str) -> Any:
        return dataset.get(key) if isinstance(dataset, dict) else getattr(dataset, key, None)

    name = field("name")
    if not name:
        raise GitTrackError("log_input: the dataset has no name")
    source = field("source")
    if source is not None and not isinstance(source, str):
        uri = getattr(source, "uri", None) or getattr(source, "path", None) or getattr(source, "url", None)
        source = uri if isinstance(uri, str) else str(source)
    entry: Dict[str, Any] = {"name": str(name)}
    digest = field("digest")
    if digest:
        entry["digest"] = str(digest)
    if source:
        local = source[len("file://"):] if source.startswith("file://") else source
        rel = _in_work_tree(local) if os.path.exists(local) else None
        entry["source"] = source
        if rel:
            entry["path"] = rel
    if context:
        entry["context"] = str(context)
    if tags:
        entry["tags"] = {str(k): str(v) for k, v in tags.items()}
    current().add_input(entry)
