"""Metrics the program computes after training, as MLflow's sklearn autolog logs them.

A prediction made by an autologged model (``predict``, ``predict_proba``, ...) called from the
program is remembered with the name of the dataset it was made on (the program's variable
holding ``X``, e.g. ``X_test``). When the program then passes that prediction to a
``sklearn.metrics`` function, the result is logged into the model's run as
``<function>_<dataset>`` (``f1_score_X_test``); computing it again on the same dataset logs
``f1_score-2_X_test``, as MLflow does.
"""

from __future__ import annotations

import functools
import os
import sys
import weakref
from typing import Any, Dict, List, Tuple

PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
METRIC_FUNCTIONS = (
    "accuracy_score", "balanced_accuracy_score", "precision_score", "recall_score", "f1_score", "fbeta_score",
    "log_loss", "roc_auc_score", "average_precision_score", "matthews_corrcoef", "hamming_loss", "jaccard_score",
    "mean_squared_error", "mean_absolute_error", "median_absolute_error", "mean_absolute_percentage_error",
    "r2_score", "explained_variance_score", "max_error", "mean_squared_log_error",
)
# Where each metric function takes the prediction: the keyword name and the position.
_PREDICTION_ARGS = ("y_pred", "y_score", "y_prob", "y_proba", "probas_pred")

_model_runs: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
_predictions: Dict[int, Tuple[Any, Any, str]] = {}
_counts: Dict[Tuple[str, str, str], int] = {}
_patched: List[Tuple[Any, str, Any]] = []


def remember_model(estimator: Any, writer: Any) -> None:
    """``estimator`` was logged into ``writer``'s run: its predictions count from now on."""
    try:
        _model_runs[estimator] = writer
    except TypeError:
        pass  # an estimator that cannot be weakly referenced: no post-training metrics for it


def _dataset_name(X: Any, frame: Any) -> str:
    for scope in (frame.f_locals, frame.f_globals):
        for name, value in scope.items():
            if value is X and not name.startswith("_"):
                return name
    return "unknown_dataset"


def _wrap_predict(method):
    @functools.wraps(method)
    def wrapped(self, X, *args, **kwargs):
        result = method(self, X, *args, **kwargs)
        writer = _model_runs.get(self) if _model_runs else None
        if writer is not None:
            frame = sys._getframe(1)
            if frame.f_globals.get("__name__", "").split(".")[0] not in ("sklearn", "git_track"):
                try:
                    ref = weakref.ref(result)
                except TypeError:
                    ref = None
                if ref is not None:
                    _predictions[id(result)] = (ref, writer, _dataset_name(X, frame))
        return result

    wrapped._git_track = True  # type: ignore[attr-defined]
    return wrapped


def _wrap_metric(name: str, fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        value = fn(*args, **kwargs)
        if not _predictions:
            return value
        prediction = next((kwargs[k] for k in _PREDICTION_ARGS if k in kwargs), args[1] if len(args) > 1 else None)
        found = _predictions.get(id(prediction)) if prediction is not None else None
        if found is None or found[0]() is not prediction:
            return value
        _, writer, dataset = found
        if writer.ended is not None:
            sys.stderr.write("git-track: autolog: %s on %s not logged: run %s has ended\n" % (name, dataset, writer.id))
            return value
        key = (writer.id, name, dataset)
        _counts[key] = _counts.get(key, 0) + 1
        metric = "%s%s_%s" % (name, "" if _counts[key] == 1 else "-%d" % _counts[key], dataset)
        try:
            writer.log_metric(metric, float(value))
        except (TypeError, ValueError) as err:
            sys.stderr.write("git-track: autolog: %s not logged: %s\n" % (metric, err))
        return value

    wrapped._git_track = True  # type: ignore[attr-defined]
    return wrapped


def patch(estimator_classes: List[Any]) -> None:
    """Watch the predictions of these classes and the metric functions of sklearn.metrics."""
    if _patched:
        return
    import sklearn.metrics as metrics

    owners = set()
    for cls in estimator_classes:
        for method_name in PREDICT_METHODS:
            owner = next((k for k in cls.__mro__ if method_name in k.__dict__), None)
            if owner is None or (owner, method_name) in owners:
                continue
            method = owner.__dict__[method_name]
            if not callable(method) or getattr(method, "_git_track", False):
                continue
            owners.add((owner, method_name))
            setattr(owner, method_name, _wrap_predict(method))
            _patched.append((owner, method_name, method))
    replaced = {}
    for name in METRIC_FUNCTIONS:
        fn = getattr(metrics, name, None)
        if fn is None or getattr(fn, "_git_track", False):
            continue
        wrapped = _wrap_metric(name, fn)
        replaced[id(fn)] = (fn, wrapped)
        setattr(metrics, name, wrapped)
        _patched.append((metrics, name, fn))
    # `from sklearn.metrics import f1_score` before autolog() bound the original function in the
    # program's own modules: rebind those names too.
    cwd = os.getcwd() + os.sep
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None) or ""
        if getattr(module, "__name__", None) != "__main__" and not os.path.abspath(file).startswith(cwd):
            continue
        for attr, value in list(vars(module).items()):
            hit = replaced.get(id(value))
            if hit is not None and hit[0] is value:
                setattr(module, attr, hit[1])
                _patched.append((module, attr, value))


def unpatch() -> None:
    while _patched:
        owner, name, original = _patched.pop()
        setattr(owner, name, original)
    _predictions.clear()
