"""git-track from Python: the calls MLflow users know, standard library only.

    import git_track

    with git_track.start_run(name="baseline", params={"lr": 0.01}) as run:
        for epoch in range(10):
            git_track.log_metric("loss", loss, step=epoch)
        git_track.log_artifact("model.pkl")

Inside ``git-track run -- python train.py`` everything is written to the run's staging
directory ($GIT_TRACK_RUN_DIR, see docs/run-contract.md) and git-track records the run when
the program exits, with its exit status. Outside, ``end_run()`` records the run by calling
``git-track log`` (found as $GIT_TRACK_BIN, ``git-track`` on PATH, or the package's own bin).

Metric steps are buffered and appended to the stream in batches, so logging a step is cheap.
"""

import atexit
import json
import math
import numbers
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

__all__ = [
    "start_run", "end_run", "active_run", "log_param", "log_params", "log_metric", "log_metrics",
    "log_artifact", "set_tag", "set_tags", "autolog", "Run", "GitTrackError",
]

RUN_DIR_VAR = "GIT_TRACK_RUN_DIR"
_BATCH = 2000
_STATUSES = {"finished": "finished", "failed": "failed", "killed": "killed",
             "FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}


class GitTrackError(Exception):
    """Recording the run failed (outside ``git-track run``)."""


def _scalar(value):
    """A param value as JSON can hold it; anything else becomes its text (as MLflow does)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    return str(value)


def _param(value):
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (list, tuple, dict)) for v in value):
        return [_scalar(v) for v in value]
    return _scalar(value)


def _metric(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError("metric %r must be a finite number, got %r" % (name, value))
    v = float(value)
    if not math.isfinite(v):
        raise ValueError("metric %r must be a finite number, got %r" % (name, value))
    return v


def _check_name(name, what):
    if not isinstance(name, str) or not name or any(c.isspace() or c == "=" for c in name) or "" in name.split("."):
        raise ValueError("invalid %s name %r: names are dot-separated segments without spaces or '='" % (what, name))


def _write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


class Run:
    """One run. Use :func:`start_run`; usable as a context manager."""

    def __init__(self, name=None, experiment=None, params=None, tags=None, note=None):
        staging = os.environ.get(RUN_DIR_VAR)
        self.inside = bool(staging)
        self.dir = staging if staging else tempfile.mkdtemp(prefix="git-track-run-")
        self.id = os.environ.get("GIT_TRACK_RUN_ID") if self.inside else None
        os.makedirs(os.path.join(self.dir, "artifacts"), exist_ok=True)
        self.name, self.experiment, self.note = name, experiment, note
        self.params, self.tags = {}, {}
        self._last = {}
        self._steps = {}
        self._quoted = {}
        self._series = {}
        self._buffer = []
        self._artifacts = []
        self._lock = threading.Lock()
        self._ended = False
        if self.inside and (name or experiment or note):
            _write_json(os.path.join(self.dir, "meta.json"),
                        {k: v for k, v in (("name", name), ("experiment", experiment), ("note", note)) if v})
        if params:
            self.log_params(params)
        if tags:
            self.set_tags(tags)

    # -- params and tags -------------------------------------------------------------------
    def log_param(self, key, value):
        self.log_params({key: value})

    def log_params(self, params):
        for k, v in params.items():
            _check_name(k, "param")
            self.params[k] = _param(v)
        if self.inside:
            _write_json(os.path.join(self.dir, "params.json"), self.params)

    def set_tag(self, key, value):
        self.set_tags({key: value})

    def set_tags(self, tags):
        for k, v in tags.items():
            _check_name(k, "tag")
            self.tags[k] = str(v)
        if self.inside:
            _write_json(os.path.join(self.dir, "tags.json"), self.tags)

    # -- metrics ---------------------------------------------------------------------------
    def log_metric(self, key, value, step=None):
        v = _metric(key, value)
        with self._lock:
            quoted = self._quoted.get(key)
            if quoted is None:
                _check_name(key, "metric")
                quoted = self._quoted[key] = json.dumps(key)
            if step is None:
                step = self._steps.get(key, 0)
            elif isinstance(step, bool) or not isinstance(step, numbers.Integral):
                raise ValueError("metric %r: step must be a whole number, got %r" % (key, step))
            step = int(step)
            self._steps[key] = step + 1
            self._last[key] = v
            ts = time.time()
            if self.inside:
                self._buffer.append('{"name":%s,"step":%d,"value":%r,"ts":%.3f}\n' % (quoted, step, v, ts))
                if len(self._buffer) >= _BATCH:
                    self._flush()
            else:
                self._series.setdefault(key, []).append((step, v, ts))

    def log_metrics(self, metrics, step=None):
        for k, v in metrics.items():
            self.log_metric(k, v, step=step)

    def _flush(self):
        if self._buffer:
            with open(os.path.join(self.dir, "metrics.jsonl"), "a") as f:
                f.write("".join(self._buffer))
            self._buffer = []

    def flush(self):
        """Append buffered metric steps to the staging directory now."""
        with self._lock:
            self._flush()

    # -- artifacts -------------------------------------------------------------------------
    def log_artifact(self, local_path, artifact_path=None):
        """Keep a file or directory as an artifact.

        Inside ``git-track run`` it is copied now and recorded as ``artifact_path`` (default:
        its name). Outside, it is recorded where it is (it must lie inside the git work tree,
        as with ``git-track log -a``) and hashed when the run ends."""
        if not os.path.exists(local_path):
            raise FileNotFoundError("artifact not found: %s" % local_path)
        if not self.inside:
            self._artifacts.append(os.path.abspath(local_path))
            return
        name = artifact_path or os.path.basename(os.path.normpath(local_path))
        target = os.path.join(self.dir, "artifacts", name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(local_path):
            shutil.copytree(local_path, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(local_path, target)

    # -- the end ---------------------------------------------------------------------------
    def end(self, status="finished"):
        """Finish the run. Inside ``git-track run`` the run is recorded when the program exits
        (its status comes from the exit code); outside, it is recorded now and its id returned."""
        if self._ended:
            return self.id
        self._ended = True
        status = _STATUSES.get(status, status)
        if self.inside:
            self.flush()
            return self.id
        try:
            self.id = self._log(status)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.id

    def _log(self, status):
        args = ["log", "--status", status]
        files = {}
        if self.params:
            files["params"] = self.params
        if self._last:
            files["metrics"] = self._last
        for kind, values in files.items():
            path = os.path.join(self.dir, kind + ".json")
            _write_json(path, values)
            args += ["--" + kind, path]
        series = {k: p for k, p in self._series.items() if len(p) > 1}
        if series and not _log_has_series():
            sys.stderr.write("git-track: this git-track has no 'log --series'; step series of %s not kept, "
                             "last values recorded\n" % ", ".join(sorted(series)))
            series = {}
        for key, points in sorted(series.items()):
            path = os.path.join(self.dir, "series", key + ".tsv")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("step\tvalue\ttimestamp\n")
                for step, v, ts in points:
                    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % int((ts % 1) * 1000)
                    f.write("%d\t%r\t%s\n" % (step, v, iso))
            args += ["--series", path]
        for k, v in sorted(self.tags.items()):
            args += ["-t", "%s=%s" % (k, v)]
        for flag, value in (("--name", self.name), ("--experiment", self.experiment), ("--note", self.note)):
            if value:
                args += [flag, value]
        for path in self._artifacts:
            args += ["-a", path]
        result = subprocess.run(_git_track() + args, capture_output=True, text=True)
        if result.returncode != 0:
            raise GitTrackError("git-track log failed: " + (result.stderr.strip() or "exit %d" % result.returncode))
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        end_run("failed" if exc_type and not issubclass(exc_type, KeyboardInterrupt) else
                "killed" if exc_type else "finished")
        return False


def _git_track():
    if os.environ.get("GIT_TRACK_BIN"):
        return os.environ["GIT_TRACK_BIN"].split()
    found = shutil.which("git-track")
    if found:
        return [found]
    own = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bin", "git-track.js")
    if os.path.exists(own):
        return [shutil.which("node") or "node", own]
    raise GitTrackError("git-track not found: put it on PATH or set GIT_TRACK_BIN")


def _log_has_series():
    result = subprocess.run(_git_track() + ["log", "--help"], capture_output=True, text=True)
    return "--series" in result.stdout


_active = None
_failed = False


def start_run(name=None, experiment=None, params=None, tags=None, note=None, run_name=None):
    """Start the active run (``run_name`` is MLflow's spelling of ``name``)."""
    global _active
    if _active is not None and not _active._ended:
        raise RuntimeError("a run is already active; call end_run() first")
    _active = Run(name=name or run_name, experiment=experiment, params=params, tags=tags, note=note)
    return _active


def active_run():
    """The active run, started on first use."""
    global _active
    if _active is None or _active._ended:
        _active = Run()
    return _active


def end_run(status="finished"):
    """Finish the active run; returns its id (None inside ``git-track run`` before it ends)."""
    global _active
    run, _active = _active, None
    return run.end(status) if run is not None else None


def log_param(key, value):
    active_run().log_param(key, value)


def log_params(params):
    active_run().log_params(params)


def log_metric(key, value, step=None):
    active_run().log_metric(key, value, step=step)


def log_metrics(metrics, step=None):
    active_run().log_metrics(metrics, step=step)


def log_artifact(local_path, artifact_path=None):
    active_run().log_artifact(local_path, artifact_path)


def set_tag(key, value):
    active_run().set_tag(key, value)


def set_tags(tags):
    active_run().set_tags(tags)


def _excepthook(exc_type, exc, tb, _previous=sys.excepthook):
    global _failed
    _failed = True
    _previous(exc_type, exc, tb)


sys.excepthook = _excepthook


@atexit.register
def _at_exit():
    # A run still open when the program ends is ended for it: buffered steps are written
    # (inside git-track run) or the run is recorded (outside).
    if _active is not None and not _active._ended:
        try:
            end_run("failed" if _failed else "finished")
        except Exception as err:  # noqa: BLE001 - exiting anyway; say why the run was not kept
            sys.stderr.write("git-track: %s\n" % err)


# -- autolog -------------------------------------------------------------------------------
_autolog_state = threading.local()


def autolog(log_models=True):
    """Log scikit-learn fits: the estimator's params on ``fit``, its training score, and the
    fitted model pickled as the artifact ``model.pkl`` (with ``log_models``, inside
    ``git-track run``: outside, artifacts must be files in the work tree). Returns the number
    of estimator classes patched."""
    import pickle
    from sklearn.utils import all_estimators

    patched = 0
    for _, cls in all_estimators():
        fit = cls.__dict__.get("fit")
        if fit is None or getattr(fit, "_git_track", False):
            continue
        setattr(cls, "fit", _wrap_fit(fit, log_models, pickle))
        patched += 1
    return patched


def _wrap_fit(fit, log_models, pickle):
    def wrapped(self, X, *args, **kwargs):
        depth = getattr(_autolog_state, "depth", 0)
        _autolog_state.depth = depth + 1
        try:
            result = fit(self, X, *args, **kwargs)
        finally:
            _autolog_state.depth = depth
        # Meta-estimators fit inner estimators: only the outermost fit is logged.
        if depth == 0:
            run = active_run()
            run.log_params({k: v for k, v in self.get_params(deep=False).items()})
            run.set_tag("estimator", type(self).__name__)
            y = args[0] if args else kwargs.get("y")
            if y is not None and hasattr(self, "score"):
                try:
                    run.log_metric("training_score", self.score(X, y))
                except Exception:  # noqa: BLE001 - a score that cannot be computed is not logged
                    pass
            if log_models and run.inside:
                fd, path = tempfile.mkstemp(suffix=".pkl")
                try:
                    with os.fdopen(fd, "wb") as f:
                        pickle.dump(self, f)
                    run.log_artifact(path, "model.pkl")
                finally:
                    os.unlink(path)
        return result

    wrapped._git_track = True
    wrapped.__name__ = getattr(fit, "__name__", "fit")
    wrapped.__doc__ = getattr(fit, "__doc__", None)
    return wrapped
