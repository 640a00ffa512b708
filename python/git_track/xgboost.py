"""XGBoost autologging, as ``mlflow.xgboost.autolog``: ``xgboost.train`` and the scikit-learn
wrappers (``XGBClassifier``, ``XGBRegressor``, ...).

A training the program started records its params, each evaluation metric per iteration as a
series ``<dataset>-<metric>`` (``validation_0-logloss``, step = iteration), the best iteration
when early stopping ran (``best_iteration``, ``stopped_iteration``), the feature importance as
``feature_importance_<type>.json``, and the model in XGBoost's own JSON format as
``model/model.json`` (``xgboost.Booster().load_model(...)`` or ``XGBClassifier().load_model(...)``).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import threading
from typing import Any, Dict, List, Optional

from . import _fluent
from ._boosting import patch_training, refuse_unsupported, unpatch

_state = threading.local()
_settings: Dict[str, Any] = {}
_patched: List[Any] = []
_WRAPPERS = ("XGBModel", "XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor")


def autolog(
    importance_types: Optional[List[str]] = None,
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    registered_model_name: Optional[str] = None,
    model_format: str = "xgb",
    extra_tags: Optional[Dict[str, str]] = None,
) -> None:
    """Log XGBoost trainings (see the module's doc); ``disable=True`` undoes it. The model is
    saved in XGBoost's JSON format whatever ``model_format`` says (JSON is the format XGBoost
    recommends and loads in every version). Options git-track cannot honour raise
    :class:`GitTrackError`: ``log_input_examples=True``, ``registered_model_name``, ``exclusive=True``."""
    if disable:
        unpatch(_patched)
        return
    refuse_unsupported("xgboost", log_input_examples, registered_model_name, exclusive)
    _settings.update(importance_types=list(importance_types or ["weight"]), log_models=log_models, silent=silent,
                     extra_tags=dict(extra_tags or {}))
    if _patched:
        return
    import xgboost
    import xgboost.sklearn
    import xgboost.training

    patch_training(_patched, xgboost.training.train, (xgboost, xgboost.training, xgboost.sklearn), _wrap_train,
                   xgboost.sklearn, _WRAPPERS, _wrap_fit)

def _from_user(depth: int = 2) -> bool:
    module = sys._getframe(depth).f_globals.get("__name__", "")
    return module.split(".")[0] not in ("xgboost", "sklearn", "git_track")


def _wrap_fit(fit):
    @functools.wraps(fit)
    def wrapped(self, *args, **kwargs):
        if getattr(_state, "active", False) or not _from_user():
            return fit(self, *args, **kwargs)
        writer = _fluent.current_for_autolog()
        params = {k: v for k, v in self.get_params().items() if v is not None and not callable(v)}
        writer.log_params({k: v for k, v in params.items() if k not in writer.params})
        _tags(writer, type(self))
        _state.active, _state.writer = True, writer
        try:
            result = fit(self, *args, **kwargs)
        finally:
            _state.active = False
        _after_training(writer, self.get_booster(), self)
        return result

    wrapped._git_track = True  # type: ignore[attr-defined]
    return wrapped


def _wrap_train(train):
    @functools.wraps(train)
    def wrapped(params, dtrain, num_boost_round=10, *args, **kwargs):
        inside_fit = getattr(_state, "active", False)
        if getattr(_state, "training", False) or not (inside_fit or _from_user()):
            return train(params, dtrain, num_boost_round, *args, **kwargs)
        writer = _state.writer if inside_fit else _fluent.current_for_autolog()
        if not inside_fit:
            logged = dict(params or {})
            logged["num_boost_round"] = num_boost_round
            for key in ("early_stopping_rounds", "maximize", "verbose_eval"):
                if kwargs.get(key) is not None:
                    logged[key] = kwargs[key]
            writer.log_params({k: v for k, v in logged.items() if k not in writer.params})
            _tags(writer, None)
        callback = _metrics_callback(writer)
        _state.callback = callback
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [callback]
        _state.training = True
        try:
            booster = train(params, dtrain, num_boost_round, *args, **kwargs)
        finally:
            _state.training = False
        callback.log_pending()
        if not inside_fit:
            _after_training(writer, booster, booster)
        return booster

    wrapped._git_track = True  # type: ignore[attr-defined]
    return wrapped


def _tags(writer, cls) -> None:
    tags = {"estimator_name": cls.__name__ if cls else "Booster", "estimator_class": "xgboost.sklearn." + cls.__name__
            if cls else "xgboost.core.Booster"}
    tags.update(_settings.get("extra_tags") or {})
    writer.set_tags(tags)


def _metrics_callback(writer):
    from xgboost.callback import TrainingCallback

    class _LogMetrics(TrainingCallback):
        history: Dict[str, Any] = {}
        logged = 0

        def after_iteration(self, model, epoch, evals_log):
            self.history = evals_log
            self.log_pending()
            return False

        def log_pending(self):
            # Every round the history holds and was not logged yet: when another callback
            # (early stopping) ends the training first, xgboost skips the callbacks after it.
            rounds = max((len(v) for m in self.history.values() for v in m.values()), default=0)
            for epoch in range(self.logged, rounds):
                for data, metrics in self.history.items():
                    for metric, values in metrics.items():
                        if epoch < len(values):
                            value = values[epoch]
                            value = value[0] if isinstance(value, tuple) else value  # (mean, std) with cv
                            writer.log_metric("%s-%s" % (data, metric), float(value), step=epoch)
            self.logged = rounds

    return _LogMetrics()


def _after_training(writer, booster, model) -> None:
    best = booster.attr("best_iteration")  # set by early stopping (and by the wrappers)
    stopped = booster.num_boosted_rounds() - 1
    if best is not None:
        writer.log_metric("best_iteration", int(best))
        writer.log_metric("stopped_iteration", stopped)
        # As MLflow: the values at the best iteration, one step past the last, so the run's
        # metrics are those of the model kept.
        history = getattr(getattr(_state, "callback", None), "history", {}) or {}
        if int(best) < stopped:
            for data, metrics in history.items():
                for metric, values in metrics.items():
                    if len(values) > int(best):
                        value = values[int(best)]
                        writer.log_metric("%s-%s" % (data, metric), float(value[0] if isinstance(value, tuple) else value),
                                          step=stopped + 1)
    tmp = tempfile.mkdtemp(prefix="git-track-xgb-")
    try:
        for kind in _settings.get("importance_types", ["weight"]):
            try:
                scores = booster.get_score(importance_type=kind)
            except Exception as err:  # noqa: BLE001 - e.g. a linear booster has no gain
                sys.stderr.write("git-track: xgboost autolog: no %s feature importance: %s\n" % (kind, err))
                continue
            path = os.path.join(tmp, "feature_importance_%s.json" % kind)
            with open(path, "w") as f:
                json.dump({k: float(v) for k, v in scores.items()}, f, indent=2, sort_keys=True)
            writer.add_artifact(path, "feature_importance_%s.json" % kind)
        if _settings.get("log_models", True):
            path = os.path.join(tmp, "model.json")
            model.save_model(path)
            writer.add_artifact(path, "model/model.json")
    finally:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    writer.has_model = True
