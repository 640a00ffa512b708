"""MLflow's fluent API: a stack of active runs in this process, the innermost one used by
``log_*`` calls (started on first use, as in MLflow)."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import Any, Dict, List, Optional

from ._cli import find_cli, run_cli
from ._errors import GitTrackError
from ._run import Run, RunWriter, status_of
from ._staging import RUN_ID_VAR, process_dir

_stack: List[RunWriter] = []
_last: Optional[RunWriter] = None
_process_run_taken = False
_experiment: Optional[str] = None
_failed: Optional[str] = None
_lock = threading.RLock()


class ActiveRun:
    """The run :func:`start_run` returned, as MLflow's ``ActiveRun``: ``info``, ``data``, and a
    context manager that ends the run (``FINISHED``, or ``FAILED`` when the block raised,
    ``KILLED`` on Ctrl-C)."""

    def __init__(self, writer: RunWriter) -> None:
        self._writer = writer

    @property
    def info(self):
        return self._writer.info()

    @property
    def data(self):
        return self._writer.view().data

    @property
    def id(self) -> str:
        """The run id (``info.run_id``)."""
        return self._writer.id

    # Logging straight to this run, whichever run is innermost.
    def log_param(self, key: str, value: Any) -> Any:
        self._writer.log_params({key: value})
        return value

    def log_params(self, params: Dict[str, Any]) -> None:
        self._writer.log_params(params)

    def log_metric(self, key: str, value: float, step: Optional[int] = None, timestamp: Optional[int] = None) -> None:
        self._writer.log_metric(key, value, step, timestamp)

    def log_metrics(self, metrics: Dict[str, float], step: Optional[int] = None, timestamp: Optional[int] = None) -> None:
        for k, v in metrics.items():
            self._writer.log_metric(k, v, step, timestamp)

    def set_tag(self, key: str, value: Any) -> None:
        self._writer.set_tags({key: value})

    def set_tags(self, tags: Dict[str, Any]) -> None:
        self._writer.set_tags(tags)

    def __enter__(self) -> "ActiveRun":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        status = "FINISHED" if exc_type is None else "KILLED" if issubclass(exc_type, KeyboardInterrupt) else "FAILED"
        _end(self._writer, status)
        return False

    def __repr__(self) -> str:
        return "<ActiveRun: %r>" % (self.info,)


def start_run(
    run_id: Optional[str] = None,
    experiment_id: Optional[str] = None,
    run_name: Optional[str] = None,
    nested: bool = False,
    parent_run_id: Optional[str] = None,
    tags: Optional[Dict[str, Any]] = None,
    description: Optional[str] = None,
    log_system_metrics: Optional[bool] = None,
    *,
    name: Optional[str] = None,
    experiment: Optional[str] = None,
    params: Optional[Dict[str, Any]] = None,
    note: Optional[str] = None,
) -> ActiveRun:
    """Start a run and make it the active one; use it as a context manager.

    As MLflow: starting a run while one is active raises unless ``nested=True`` (the new run's
    parent is then the active run) or ``parent_run_id`` names the parent. ``experiment_id`` is
    the experiment's name (git-track experiments are names; see :func:`set_experiment`),
    ``description`` the run's note. ``name``, ``experiment``, ``params`` and ``note`` are
    git-track's shorthands.

    Under ``git-track run`` the program's first top-level run is the process's run (the one
    ``git-track run`` reports); each later top-level run, and every nested run, is a run of its
    own, recorded when the program ends, with the process's command and code version (see
    docs/run-contract.md). Outside, a run is recorded when it ends.

    ``log_system_metrics=True`` (or $MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING=true) samples CPU,
    memory and GPU use into series ``system/...`` every 10 s ($GIT_TRACK_SYSTEM_METRICS_INTERVAL);
    under ``git-track run`` the process's run is sampled by git-track already.

    A recorded run cannot be reopened: ``run_id`` may only name the process's run under
    ``git-track run`` (``$GIT_TRACK_RUN_ID``), else it raises :class:`GitTrackError`.
    """
    global _process_run_taken
    if run_name is not None and name is not None and run_name != name:
        raise ValueError("start_run: give run_name or name, not both")
    with _lock:
        if _stack and not nested and parent_run_id is None:
            raise GitTrackError("Run with UUID %s is already active. To start a new run, first end the current run "
                                "with git_track.end_run(). To start a nested run, call start_run with nested=True"
                                % _stack[-1].id)
        parent = parent_run_id
        if nested and _stack:
            if parent_run_id is not None and parent_run_id != _stack[-1].id:
                raise GitTrackError("start_run(nested=True, parent_run_id=%r): the active run is %s; a nested run's "
                                    "parent is the active run" % (parent_run_id, _stack[-1].id))
            parent = _stack[-1].id
        use_process = bool(process_dir()) and not _process_run_taken and parent is None
        if run_id is not None:
            if not (use_process and run_id == os.environ.get(RUN_ID_VAR)):
                raise GitTrackError("start_run(run_id=%r): git-track cannot reopen a run (a recorded run never "
                                    "changes); start a new run, with parent_run_id=%r to link it" % (run_id, run_id))
        if not process_dir():
            find_cli()  # a missing CLI is said now, not after hours of training
        writer = RunWriter(name=run_name or name, experiment=experiment_id or experiment or _experiment,
                           note=description or note, parent=parent, use_process_dir=use_process)
        if use_process:
            _process_run_taken = True
        _stack.append(writer)
        if log_system_metrics is None:
            log_system_metrics = os.environ.get("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "").lower() in ("true", "1")
        # The process's run of `git-track run` is sampled by git-track itself (unless --no-system-metrics).
        if log_system_metrics and not use_process:
            writer.start_system_metrics()
    if params:
        writer.log_params(params)
    if tags:
        writer.set_tags(tags)
    return ActiveRun(writer)


def _end(writer: RunWriter, status: str) -> None:
    global _last
    status_of(status)
    with _lock:
        if writer.ended is not None:
            return
        # Ending a run ends the runs nested in it first, as their parent's block closes over them.
        while _stack and writer in _stack:
            top = _stack.pop()
            top.end(status)
            _last = top
            if not top.is_process_run and not process_dir():
                _record(top)


def _record(writer: RunWriter) -> None:
    """Outside ``git-track run``: have the CLI record the ended run now."""
    # `recover` records every run its program ended, ours among them; its exit status also
    # covers other runs it could not record, so what counts is whether ours left staging.
    result = run_cli(["recover"])
    if os.path.exists(writer.dir):
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "exit %d" % result.returncode
        raise GitTrackError("run %s ended but was not recorded (%s); its data stays in %s and `git-track recover` "
                            "records it" % (writer.id, reason.replace("git-track: ", "", 1), writer.dir))


def active_run() -> Optional[ActiveRun]:
    """The innermost active run, or None."""
    with _lock:
        return ActiveRun(_stack[-1]) if _stack else None


def last_active_run() -> Optional[Run]:
    """The active run, else the run that ended last in this process (as MLflow: handy after autolog)."""
    with _lock:
        writer = _stack[-1] if _stack else _last
    return writer.view() if writer else None


def end_run(status: str = "FINISHED") -> None:
    """End the active run (and the runs nested in it) with ``status``: FINISHED, FAILED or KILLED."""
    with _lock:
        if _stack:
            _end(_stack[-1], status)


def current() -> RunWriter:
    """The active run, started when there is none (MLflow's behaviour for ``log_*`` calls)."""
    with _lock:
        if not _stack:
            start_run()
        return _stack[-1]


def current_for_autolog() -> RunWriter:
    """The run an autologged fit logs into: the active run; else a new one, left open so the
    metrics the program computes next land in it too. A second model fitted while such a run
    is active starts a run of its own (as MLflow, where each autologged fit is a run)."""
    with _lock:
        if _stack and _stack[-1].autologged and _stack[-1].has_model:
            _end(_stack[-1], "FINISHED")
        if not _stack:
            start_run()
            _stack[-1].autologged = True
        return _stack[-1]


def writer_for(run_id: Optional[str]) -> RunWriter:
    """The open run named by ``run_id`` (MLflow's ``run_id=`` argument), or the active one."""
    if run_id is None:
        return current()
    with _lock:
        for writer in _stack:
            if writer.id == run_id:
                return writer
    raise GitTrackError("run %s is not open in this process: git-track logs only to runs this program started "
                        "(a recorded run never changes)" % run_id)


def set_experiment(experiment_name: Optional[str] = None, experiment_id: Optional[str] = None):
    """Runs started from now on belong to this experiment (a name; ``experiment_id`` is read as one)."""
    global _experiment
    name = experiment_name or experiment_id
    if not name:
        raise ValueError("set_experiment: give experiment_name")
    _experiment = name
    return Experiment(name)


class Experiment:
    """An experiment, as MLflow's entity: in git-track, a name runs carry."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.experiment_id = name
        self.lifecycle_stage = "active"

    def __repr__(self) -> str:
        return "<Experiment: name=%r>" % self.name


def _excepthook(exc_type, exc, tb, _previous=sys.excepthook):
    global _failed
    _failed = "KILLED" if issubclass(exc_type, KeyboardInterrupt) else "FAILED"
    _previous(exc_type, exc, tb)


sys.excepthook = _excepthook


@atexit.register
def _at_exit() -> None:
    # Runs still open when the program ends are ended for it (as MLflow does): FAILED after an
    # uncaught exception. Under `git-track run` the process's exit status is recorded too.
    while _stack:
        try:
            _end(_stack[0], _failed or "FINISHED")
        except Exception as err:  # noqa: BLE001 - exiting anyway; say why the run was not kept
            sys.stderr.write("git-track: %s\n" % err)
            break
