"""One run in progress: what it was given and logged, written to its staging directory."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import weakref
from typing import Any, Dict, List, Optional

from ._env import environment
from ._errors import GitTrackError
from ._staging import RUN_ID_VAR, create_run_dir, iso_time, new_run_id, process_dir
from ._values import check_name, check_relative, metric, param, write_json

STREAM_FILE = "metrics.jsonl"
END_FILE = "end.json"
#: Steps kept in memory before they are appended to the stream, and the longest they wait.
BATCH = 2000
FLUSH_INTERVAL_S = 1.0

STATUSES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}


def status_of(status: str) -> str:
    """MLflow's run status (``FINISHED``/``FAILED``/``KILLED``, any case) as git-track's."""
    found = STATUSES.get(str(status).upper())
    if found is None:
        raise ValueError("end_run(status=%r): a run ends as FINISHED, FAILED or KILLED" % (status,))
    return found


class RunInfo:
    """Run metadata, named as MLflow's ``RunInfo``."""

    def __init__(self, run_id: str, run_name: Optional[str], experiment_id: Optional[str], status: str,
                 start_time: Optional[int], end_time: Optional[int], parent_run_id: Optional[str] = None) -> None:
        self.run_id = run_id
        self.run_uuid = run_id
        self.run_name = run_name
        self.experiment_id = experiment_id
        self.status = status
        self.start_time = start_time
        self.end_time = end_time
        self.parent_run_id = parent_run_id
        self.lifecycle_stage = "active"

    def __repr__(self) -> str:
        return "<RunInfo: run_id=%r, run_name=%r, status=%r>" % (self.run_id, self.run_name, self.status)


class RunData:
    """Params, metrics and tags of a run, named as MLflow's ``RunData`` (params as strings, like MLflow)."""

    def __init__(self, params: Dict[str, Any], metrics: Dict[str, float], tags: Dict[str, str]) -> None:
        self.params = {k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, bool)) or v is None else str(v)
                       for k, v in params.items()}
        self.metrics = dict(metrics)
        self.tags = dict(tags)

    def __repr__(self) -> str:
        return "<RunData: params=%r, metrics=%r, tags=%r>" % (self.params, self.metrics, self.tags)


class Run:
    """A run as MLflow's ``Run`` entity: ``info`` and ``data``; ``to_dictionary()`` for plain data."""

    def __init__(self, info: RunInfo, data: RunData, manifest: Optional[Dict[str, Any]] = None) -> None:
        self.info = info
        self.data = data
        #: The whole git-track manifest when the run was read from the branch.
        self.manifest = manifest

    def to_dictionary(self) -> Dict[str, Any]:
        return {"info": dict(vars(self.info)), "data": {"params": self.data.params, "metrics": self.data.metrics, "tags": self.data.tags}}

    def __repr__(self) -> str:
        return "<Run: info=%r, data=%r>" % (self.info, self.data)


class RunWriter:
    """The run being written. Created by :func:`git_track.start_run`."""

    def __init__(self, name: Optional[str] = None, experiment: Optional[str] = None, note: Optional[str] = None,
                 parent: Optional[str] = None, use_process_dir: bool = False) -> None:
        self.started = time.time()
        self.ended: Optional[float] = None
        self.status = "RUNNING"
        if use_process_dir:
            self.dir = process_dir() or ""
            self.id = os.environ.get(RUN_ID_VAR) or new_run_id()
        else:
            self.id = new_run_id()
            self.dir = create_run_dir(self.id, self.started)
        #: True for the run of the ``git-track run`` process: git-track records it when the program exits.
        self.is_process_run = use_process_dir
        #: Started by autologging (not by the program), and whether a model was logged into it.
        self.autologged = False
        self.has_model = False
        self.name, self.experiment, self.note, self.parent = name, experiment, note, parent
        self.params: Dict[str, Any] = {}
        self.tags: Dict[str, str] = {}
        self.metrics: Dict[str, float] = {}
        self._quoted: Dict[str, str] = {}
        self._buffer: List[str] = []
        self._lock = threading.RLock()
        self._sampler = None
        os.makedirs(os.path.join(self.dir, "artifacts"), exist_ok=True)
        self._write_meta()
        self._write_env()
        _open_runs.add(self)
        _start_flusher()

    # -- identity ----------------------------------------------------------------------------
    def info(self) -> RunInfo:
        return RunInfo(self.id, self.name, self.experiment, self.status, int(self.started * 1000),
                       int(self.ended * 1000) if self.ended else None, self.parent)

    def view(self) -> Run:
        return Run(self.info(), RunData(self.params, self.metrics, self.tags))

    def _write_meta(self) -> None:
        meta = {k: v for k, v in (("name", self.name), ("experiment", self.experiment), ("note", self.note),
                                  ("parent", self.parent)) if v}
        if meta or os.path.exists(os.path.join(self.dir, "meta.json")):
            write_json(os.path.join(self.dir, "meta.json"), meta)

    def _write_env(self) -> None:
        write_json(os.path.join(self.dir, "env.json"), environment())

    def set_name(self, name: Optional[str]) -> None:
        self.name = name
        self._write_meta()

    def set_note(self, note: Optional[str]) -> None:
        self.note = note
        self._write_meta()

    # -- params and tags -----------------------------------------------------------------------
    def log_params(self, params: Dict[str, Any]) -> None:
        """Add params. As in MLflow, a param once logged keeps its value: logging another raises."""
        self._open()
        checked = {}
        for k, v in params.items():
            check_name(k, "param")
            value = param(v)
            if k in self.params and self.params[k] != value:
                raise GitTrackError("param %r was already logged as %r in run %s; a param cannot change "
                                    "(MLflow refuses it too): log it under another name" % (k, self.params[k], self.id))
            checked[k] = value
        with self._lock:
            self.params.update(checked)
            write_json(os.path.join(self.dir, "params.json"), self.params)

    def set_tags(self, tags: Dict[str, Any]) -> None:
        self._open()
        for k in tags:
            check_name(k, "tag")
        with self._lock:
            self.tags.update({k: str(v) for k, v in tags.items()})
            write_json(os.path.join(self.dir, "tags.json"), self.tags)

    def delete_tag(self, key: str) -> None:
        self._open()
        with self._lock:
            if key not in self.tags:
                raise GitTrackError("run %s has no tag %r to delete" % (self.id, key))
            del self.tags[key]
            write_json(os.path.join(self.dir, "tags.json"), self.tags)

    # -- metrics -------------------------------------------------------------------------------
    def log_metric(self, key: str, value: Any, step: Optional[int] = None, timestamp: Optional[int] = None) -> None:
        """One value at a step (MLflow's default step is 0); ``timestamp`` in epoch milliseconds."""
        v = metric(key, value)
        if step is None:
            step = 0
        elif isinstance(step, bool) or not hasattr(step, "__index__"):
            raise ValueError("metric %r: step must be a whole number, got %r" % (key, step))
        step = int(step)
        ts = int(timestamp) if timestamp is not None else int(time.time() * 1000)
        with self._lock:
            self._open()
            quoted = self._quoted.get(key)
            if quoted is None:
                check_name(key, "metric")
                quoted = self._quoted[key] = json.dumps(key)
            self.metrics[key] = v
            self._buffer.append('{"name":%s,"step":%d,"value":%r,"ts":%d}\n' % (quoted, step, v, ts))
            if len(self._buffer) >= BATCH:
                self._flush()

    def _flush(self) -> None:
        if self._buffer:
            with open(os.path.join(self.dir, STREAM_FILE), "a") as f:
                f.write("".join(self._buffer))
            self._buffer = []

    def flush(self) -> None:
        """Append buffered metric steps to the staging directory now."""
        with self._lock:
            self._flush()

    # -- artifacts -----------------------------------------------------------------------------
    def add_artifact(self, source: str, recorded_as: str) -> None:
        """Copy a file or directory now; it is recorded as ``recorded_as``."""
        self._open()
        target = os.path.join(self.dir, "artifacts", *check_relative(recorded_as, "artifact path").split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(source):
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)

    def artifact_target(self, recorded_as: str) -> str:
        """Where to write an artifact's bytes directly (for log_text, log_figure, ...)."""
        self._open()
        target = os.path.join(self.dir, "artifacts", *check_relative(recorded_as, "artifact file").split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        return target

    def add_input(self, entry: Dict[str, Any]) -> None:
        self._open()
        path = os.path.join(self.dir, "inputs.json")
        with self._lock:
            try:
                with open(path) as f:
                    inputs = json.load(f)
            except (OSError, ValueError):
                inputs = []
            inputs.append(entry)
            write_json(path, inputs)

    def start_system_metrics(self) -> None:
        from ._system import Sampler

        self._sampler = Sampler(self.dir)

    # -- the end -------------------------------------------------------------------------------
    def end(self, status: str) -> None:
        """Say how the run ended (``end.json``). git-track records it: at the program's exit
        under ``git-track run``, else now (the caller asks the CLI)."""
        with self._lock:
            if self.ended is not None:
                return
            if self._sampler is not None:
                self._sampler.stop()
            self._flush()
            self._write_env()
            self.ended = time.time()
            self.status = status.upper()
            write_json(os.path.join(self.dir, END_FILE), {"status": status_of(status), "ended": iso_time(self.ended)})
        _open_runs.discard(self)

    def _open(self) -> None:
        if self.ended is not None:
            raise GitTrackError("run %s has ended; start another run to log more" % self.id)


# -- steps reach the staging directory within FLUSH_INTERVAL_S, so `git-track list` shows a
# -- training run's latest values while it trains.
_open_runs: "weakref.WeakSet[RunWriter]" = weakref.WeakSet()
_flusher: Optional[threading.Thread] = None
_flusher_lock = threading.Lock()


def _flush_loop() -> None:
    while True:
        time.sleep(FLUSH_INTERVAL_S)
        for run in list(_open_runs):
            try:
                run.flush()
            except OSError:
                pass  # the staging dir went away (recorded, or removed by hand): nothing to keep


def _start_flusher() -> None:
    global _flusher
    with _flusher_lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher = threading.Thread(target=_flush_loop, name="git-track-flush", daemon=True)
            _flusher.start()


def flush_all() -> None:
    """Append every open run's buffered steps now."""
    for run in list(_open_runs):
        run.flush()
