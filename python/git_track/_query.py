"""Reading recorded runs back: ``get_run`` and ``search_runs`` (through ``git-track show``/``list``)."""

from __future__ import annotations

import calendar
import json
import re
import sys
import time
from typing import Any, Dict, List, Optional

from ._cli import check_cli
from ._errors import GitTrackError
from ._fluent import _lock, _stack
from ._run import Run, RunData, RunInfo

_STATUS = {"finished": "FINISHED", "failed": "FAILED", "killed": "KILLED", "running": "RUNNING"}
_ORDER = re.compile(r"^\s*(?P<field>.+?)(?:\s+(?P<dir>ASC|DESC))?\s*$", re.IGNORECASE)


def _millis(iso: Optional[str]) -> Optional[int]:
    if not iso:
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", iso)
    if not m:
        return None
    seconds = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return seconds * 1000 + int(float(m.group(2) or 0) * 1000)


def run_from_manifest(manifest: Dict[str, Any]) -> Run:
    """A git-track manifest (as ``show --json`` prints it) as MLflow's ``Run``."""
    start = _millis(manifest.get("created"))
    duration = manifest.get("duration_s")
    end = start + int(duration * 1000) if start is not None and isinstance(duration, (int, float)) else None
    tags = dict(manifest.get("tags") or {})
    if manifest.get("name"):
        tags.setdefault("mlflow.runName", manifest["name"])
    if manifest.get("note"):
        tags.setdefault("mlflow.note.content", manifest["note"])
    if manifest.get("parent"):
        tags.setdefault("mlflow.parentRunId", manifest["parent"])
    info = RunInfo(manifest["id"], manifest.get("name"), manifest.get("experiment"),
                   _STATUS.get(manifest.get("status", ""), str(manifest.get("status", "")).upper()), start, end,
                   manifest.get("parent"))
    return Run(info, RunData(manifest.get("params") or {}, manifest.get("metrics") or {}, tags), manifest)


def get_run(run_id: str) -> Run:
    """A run by id (or anything ``git-track show`` accepts: a prefix, a name, ``latest``). A run
    open in this process is answered from memory."""
    with _lock:
        for writer in _stack:
            if writer.id == run_id:
                return writer.view()
    return run_from_manifest(json.loads(check_cli(["show", run_id, "--json"])))


def _sort(order_by: Optional[List[str]]) -> Optional[str]:
    if not order_by:
        return None
    fields = []
    for clause in order_by:
        m = _ORDER.match(clause)
        if not m:
            raise GitTrackError("search_runs: cannot read order_by clause %r" % clause)
        field = m.group("field").strip()
        field = {"attributes.start_time": "created", "start_time": "created", "attributes.run_name": "name",
                 "run_name": "name", "attributes.status": "status"}.get(field, field)
        fields.append(("-" if (m.group("dir") or "").upper() == "DESC" else "") + field)
    return ",".join(fields)


def search_runs(
    experiment_ids: Optional[List[str]] = None,
    filter_string: str = "",
    run_view_type: int = 1,
    max_results: int = 100000,
    order_by: Optional[List[str]] = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Optional[List[str]] = None,
) -> Any:
    """Runs matching ``filter_string`` (git-track's filter language, which reads like MLflow's:
    ``"metrics.f1 > 0.8 AND params.model = 'xgb'"``), newest first unless ``order_by``
    (``["metrics.f1 DESC"]``) says otherwise.

    ``output_format="pandas"`` (MLflow's default) gives a DataFrame with MLflow's columns
    (``run_id``, ``status``, ``params.X``, ``metrics.X``, ``tags.X``, ...) when pandas is
    installed; without pandas, and with ``output_format="list"``, a list of :class:`Run`.
    ``experiment_ids``/``experiment_names`` are experiment names."""
    if output_format not in ("pandas", "list"):
        raise ValueError("search_runs: output_format is 'pandas' or 'list', got %r" % (output_format,))
    if run_view_type not in (1, 3):
        raise GitTrackError("search_runs(run_view_type=%r): git-track has no deleted runs; use ACTIVE_ONLY (1) or ALL (3)"
                            % (run_view_type,))
    clauses = []
    names = list(experiment_names or []) + list(experiment_ids or [])
    if names and not search_all_experiments:
        clauses.append("(" + " OR ".join("experiment = %s" % _quote(n) for n in names) + ")")
    if filter_string.strip():
        clauses.append("(" + filter_string + ")")
    args = ["list", "--json", "--limit", str(int(max_results))]
    if clauses:
        args += ["--filter", " AND ".join(clauses)]
    sort = _sort(order_by)
    if sort:
        args += ["--sort", sort]
    runs = [run_from_manifest(m) for m in json.loads(check_cli(args) or "[]") if isinstance(m, dict) and "id" in m]
    if output_format == "list":
        return runs
    try:
        import pandas  # type: ignore[import-untyped]
    except ImportError:
        sys.stderr.write("git-track: search_runs: pandas is not installed; returning a list of runs "
                         "(pass output_format='list' to say so)\n")
        return runs
    return pandas.DataFrame([_row(r) for r in runs])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _row(run: Run) -> Dict[str, Any]:
    row: Dict[str, Any] = {
        "run_id": run.info.run_id, "experiment_id": run.info.experiment_id, "status": run.info.status,
        "start_time": run.info.start_time, "end_time": run.info.end_time,
    }
    manifest = run.manifest or {}
    row.update({"metrics.%s" % k: v for k, v in (manifest.get("metrics") or {}).items()})
    row.update({"params.%s" % k: v for k, v in run.data.params.items()})
    row.update({"tags.%s" % k: v for k, v in run.data.tags.items()})
    return row
