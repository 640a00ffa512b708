"""scikit-learn autologging, as ``mlflow.sklearn.autolog``.

Only the outermost ``fit`` the user called is the run's model: fits that scikit-learn makes
itself (a metric function's ``LabelEncoder``, the clones a meta-estimator or
``cross_val_score`` fits) and preprocessing fits the user calls (scalers, encoders, imputers:
MLflow leaves them out too) are not logged. A logged fit records the estimator's params, the
training metrics MLflow computes (on the training data), and the fitted estimator pickled as
``model/model.pkl``. ``GridSearchCV``/``RandomizedSearchCV`` runs also get the best params and
score, and one nested run per candidate for the ``max_tuning_runs`` best.
"""

from __future__ import annotations

import functools
import math
import os
import pickle
import sys
import tempfile
import threading
from typing import Any, Dict, List, Optional

from ._errors import GitTrackError
from . import _fluent, _post_training

# Modules whose estimators are not a model (MLflow's sklearn autolog excludes the same).
_EXCLUDED_MODULES = ("sklearn.preprocessing", "sklearn.impute", "sklearn.feature_extraction",
                     "sklearn.feature_selection", "sklearn.compose")
_state = threading.local()
_settings: Dict[str, Any] = {"enabled": False}
_patched: List[Any] = []


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    max_tuning_runs: int = 5,
    log_post_training_metrics: bool = True,
    serialization_format: str = "cloudpickle",
    registered_model_name: Optional[str] = None,
    pos_label: Optional[Any] = None,
    extra_tags: Optional[Dict[str, str]] = None,
) -> None:
    """Log scikit-learn fits (see the module's doc). ``disable=True`` undoes it.

    Options MLflow has and git-track cannot honour raise :class:`GitTrackError` when asked for:
    ``log_input_examples=True``, ``registered_model_name``, ``serialization_format`` other
    than pickle formats, ``exclusive=True``. Model signatures are not recorded. With
    ``log_post_training_metrics`` (default), metrics the program computes with
    ``sklearn.metrics`` on an autologged model's predictions are logged (see _post_training.py).
    """
    if disable:
        _unpatch()
        _settings["enabled"] = False
        return
    if log_input_examples:
        raise GitTrackError("autolog(log_input_examples=True): git-track does not record input examples")
    if registered_model_name:
        raise GitTrackError("autolog(registered_model_name=...): git-track has no model registry; "
                            "promote the run with `git-track promote RUN --stage NAME`")
    if serialization_format not in ("cloudpickle", "pickle"):
        raise GitTrackError("autolog(serialization_format=%r): git-track saves the model with pickle" % serialization_format)
    if exclusive:
        raise GitTrackError("autolog(exclusive=True): autologging always logs into the active run")
    if max_tuning_runs is not None and (isinstance(max_tuning_runs, bool) or int(max_tuning_runs) < 0):
        raise ValueError("autolog: max_tuning_runs must be a whole number >= 0 or None")
    _settings.update(enabled=True, log_models=log_models, silent=silent, max_tuning_runs=max_tuning_runs,
                     pos_label=pos_label, extra_tags=dict(extra_tags or {}))
    classes = _patch()
    if log_post_training_metrics:
        _post_training.patch(classes)


def _patch() -> List[Any]:
    from sklearn.utils import all_estimators

    classes = [cls for _, cls in all_estimators() if not cls.__module__.startswith(_EXCLUDED_MODULES)]
    if _patched:
        return classes
    owners = set()
    for cls in classes:
        # `fit` is often inherited (GridSearchCV's from BaseSearchCV): patch the class defining it.
        owner = next((k for k in cls.__mro__ if "fit" in k.__dict__), None)
        if owner is None or owner in owners or owner.__module__.startswith(_EXCLUDED_MODULES):
            continue
        owners.add(owner)
        fit = owner.__dict__["fit"]
        if getattr(fit, "_git_track", False):
            continue
        setattr(owner, "fit", _wrap_fit(fit))
        _patched.append((owner, fit))
    return classes


def _unpatch() -> None:
    _post_training.unpatch()
    while _patched:
        cls, fit = _patched.pop()
        setattr(cls, "fit", fit)


def _called_by_library(depth: int = 2) -> bool:
    """True when the fit was called from inside scikit-learn (or another library), not the user."""
    frame = sys._getframe(depth)
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] in ("sklearn", "scipy", "joblib", "imblearn", "git_track")


def _wrap_fit(fit):
    @functools.wraps(fit)
    def wrapped(self, *args, **kwargs):
        outermost = getattr(_state, "depth", 0) == 0 and not _called_by_library()
        _state.depth = getattr(_state, "depth", 0) + 1
        try:
            result = fit(self, *args, **kwargs)
        finally:
            _state.depth -= 1
        if outermost and _settings.get("enabled"):
            _state.depth += 1  # fits made while computing metrics are not the user's
            try:
                _log_fit(self, args, kwargs)
            except GitTrackError:
                raise
            except Exception as err:  # noqa: BLE001 - autologging never breaks the user's training
                if not _settings.get("silent"):
                    sys.stderr.write("git-track: autolog could not log the fit of %s: %s\n" % (type(self).__name__, err))
            finally:
                _state.depth -= 1
        return result

    wrapped._git_track = True  # type: ignore[attr-defined]
    return wrapped


def _log_fit(estimator, args, kwargs) -> None:
    X = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    sample_weight = kwargs.get("sample_weight")
    writer = _fluent.current_for_autolog()
    run = _fluent.ActiveRun(writer)
    params = {k: v for k, v in estimator.get_params(deep=False).items() if not hasattr(v, "get_params")}
    # A param that holds an estimator is logged as its class name, its own params dotted below it.
    for k, v in estimator.get_params(deep=False).items():
        if hasattr(v, "get_params"):
            params[k] = type(v).__name__
    _log_params_once(writer, params)
    tags = {"estimator_name": type(estimator).__name__,
            "estimator_class": type(estimator).__module__ + "." + type(estimator).__name__}
    tags.update(_settings.get("extra_tags") or {})
    writer.set_tags(tags)
    if y is not None:
        for name, value in _training_metrics(estimator, X, y, sample_weight).items():
            writer.log_metric(name, value)
    if hasattr(estimator, "best_params_") and hasattr(estimator, "cv_results_"):
        _log_search(writer, estimator)
    if _settings.get("log_models", True):
        fd, path = tempfile.mkstemp(suffix=".pkl")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(estimator, f)
            writer.add_artifact(path, "model/model.pkl")
        finally:
            os.unlink(path)
    writer.has_model = True
    _post_training.remember_model(estimator, writer)
    del run


def _log_params_once(writer, params: Dict[str, Any]) -> None:
    # A second model fitted in the same run must not stop the training: its differing params
    # are said on stderr instead of raising.
    fresh = {}
    for k, v in params.items():
        if k in writer.params:
            from ._values import param as as_param
            if writer.params[k] != as_param(v):
                sys.stderr.write("git-track: autolog: param %r already logged as %r in run %s; the value %r of this "
                                 "fit is not recorded (start a new run per model)\n" % (k, writer.params[k], writer.id, v))
            continue
        fresh[k] = v
    writer.log_params(fresh)


def _training_metrics(estimator, X, y, sample_weight) -> Dict[str, float]:
    """The training metrics MLflow's sklearn autolog logs, computed on the training data."""
    from sklearn import metrics as m
    from sklearn.base import is_classifier, is_regressor

    out: Dict[str, float] = {}

    def put(name: str, compute) -> None:
        try:
            value = float(compute())
        except Exception:  # noqa: BLE001 - a metric that does not apply (e.g. no predict_proba) is not logged
            return
        if math.isfinite(value):
            out["training_" + name] = value

    estimator_for_metrics = estimator
    if hasattr(estimator, "best_estimator_"):
        estimator_for_metrics = estimator.best_estimator_
    if is_classifier(estimator_for_metrics):
        y_pred = estimator.predict(X)
        pos = _settings.get("pos_label")
        binary = len(getattr(estimator_for_metrics, "classes_", [])) == 2
        avg = {"average": "binary", "pos_label": pos} if binary and pos is not None else {"average": "weighted"}
        put("accuracy_score", lambda: m.accuracy_score(y, y_pred, sample_weight=sample_weight))
        put("precision_score", lambda: m.precision_score(y, y_pred, sample_weight=sample_weight, zero_division=0, **avg))
        put("recall_score", lambda: m.recall_score(y, y_pred, sample_weight=sample_weight, zero_division=0, **avg))
        put("f1_score", lambda: m.f1_score(y, y_pred, sample_weight=sample_weight, zero_division=0, **avg))
        if hasattr(estimator, "predict_proba"):
            try:
                proba = estimator.predict_proba(X)
            except Exception:  # noqa: BLE001 - e.g. SVC without probability=True
                proba = None
            if proba is not None:
                put("log_loss", lambda: m.log_loss(y, proba, sample_weight=sample_weight, labels=estimator_for_metrics.classes_))
                if binary:
                    put("roc_auc", lambda: m.roc_auc_score(y, proba[:, 1], sample_weight=sample_weight))
                else:
                    put("roc_auc", lambda: m.roc_auc_score(y, proba, sample_weight=sample_weight, average="weighted",
                                                           multi_class="ovo"))
    elif is_regressor(estimator_for_metrics):
        y_pred = estimator.predict(X)
        put("mean_squared_error", lambda: m.mean_squared_error(y, y_pred, sample_weight=sample_weight))
        put("root_mean_squared_error", lambda: math.sqrt(m.mean_squared_error(y, y_pred, sample_weight=sample_weight)))
        put("mean_absolute_error", lambda: m.mean_absolute_error(y, y_pred, sample_weight=sample_weight))
        put("r2_score", lambda: m.r2_score(y, y_pred, sample_weight=sample_weight))
    if hasattr(estimator, "score"):
        put("score", lambda: estimator.score(X, y, sample_weight=sample_weight) if sample_weight is not None
            else estimator.score(X, y))
    return out


def _log_search(writer, search) -> None:
    """GridSearchCV/RandomizedSearchCV: best params and score on the run; the best
    ``max_tuning_runs`` candidates as nested runs with their params and CV scores."""
    writer.log_params({"best_" + k: v for k, v in search.best_params_.items() if "best_" + k not in writer.params})
    if getattr(search, "best_score_", None) is not None:
        writer.log_metric("best_cv_score", search.best_score_)
    results = search.cv_results_
    limit = _settings.get("max_tuning_runs")
    ranks = list(results.get("rank_test_score", range(1, len(results["params"]) + 1)))
    order = sorted(range(len(results["params"])), key=lambda i: (ranks[i], i))
    if limit is not None:
        order = order[: int(limit)]
    base = type(search.estimator).__name__
    for i in order:
        child = _fluent.start_run(run_name="%s-%d" % (base, i), parent_run_id=writer.id)
        try:
            child.log_params(dict(results["params"][i]))
            for key, values in results.items():
                if key.startswith(("mean_", "std_", "rank_")) and not key.endswith("_time"):
                    value = values[i]
                    try:
                        child.log_metric(key, float(value))
                    except (TypeError, ValueError):
                        pass
        finally:
            _fluent._end(child._writer, "FINISHED")
