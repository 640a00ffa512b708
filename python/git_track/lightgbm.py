"""LightGBM autologging, as ``mlflow.lightgbm.autolog``: ``lightgbm.train`` and the
scikit-learn wrappers (``LGBMClassifier``, ``LGBMRegressor``, ``LGBMRanker``).

A training the program started records its params, each validation metric per iteration as a
series ``<dataset>-<metric>`` (``valid_0-binary_logloss``, step = iteration), with early
stopping ``best_iteration`` and ``stopped_iteration`` (the run's metrics are then those at the
best iteration, as MLflow), the feature importance as ``feature_importance_split.json`` and
``feature_importance_gain.json``, and the model in LightGBM's text format as ``model/model.txt``
(``lightgbm.Booster(model_file=...)``).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import tempfile
import threading
from typing import Any, Dict, List, Optional

from . import _fluent
from ._boosting import patch_training, refuse_unsupported, unpatch

_state = threading.local()
_settings: Dict[str, Any] = {}
_patched: List[Any] = []
_WRAPPERS = ("LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker")


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    registered_model_name: Optional[str] = None,
    extra_tags: Optional[Dict[str, str]] = None,
) -> None:
    """Log LightGBM trainings (see the module's doc); ``disable=True`` undoes it. Options
    git-track cannot honour raise :class:`GitTrackError`: ``log_input_examples=True``,
    ``registered_model_name``, ``exclusive=True``."""
    if disable:
        unpatch(_patched)
        return
    refuse_unsupported("lightgbm", log_input_examples, registered_model_name, exclusive)
    _settings.update(log_models=log_models, extra_tags=dict(extra_tags or {}))
    if _patched:
        return
    import lightgbm
    import lightgbm.engine
    import lightgbm.sklearn

    patch_training(_patched, lightgbm.engine.train, (lightgbm, lightgbm.engine, lightgbm.sklearn), _wrap_train,
                   lightgbm.sklearn, _WRAPPERS, _wrap_fit)

def _from_user(depth: int = 2) -> bool:
    module = sys._getframe(depth).f_globals.get("__name__", "")
    return module.split(".")[0] not in ("lightgbm", "sklearn", "git_track")


def _wrap_fit(fit):
    @functools.wraps(fit)
    def wrapped(self, *args, **kwargs):
        if getattr(_state, "active", False) or not _from_user():
            return fit(self, *args, **kwargs)
        writer = _fluent.current_for_autolog()
        params = {k: v for k, v in self.get_params().items() if v is not None and not callable(v)}
        writer.log_params({k: v for k, v in params.items() if k not in writer.params})
        _tags(writer, type(self).__name__, "lightgbm.sklearn." + type(self).__name__)
        _state.active, _state.writer = True, writer
        try:
            result = fit(self, *args, **kwargs)
        finally:
            _state.active = False
        _after_training(writer, self.booster_)
        return result

    wrapped._git_track = True  # type: ignore[attr-defined]
    return wrapped


def _wrap_train(train):
    @functools.wraps(train)
    def wrapped(params, train_set, num_boost_round=100, *args, **kwargs):
        inside_fit = getattr(_state, "active", False)
        if getattr(_state, "training", False) or not (inside_fit or _from_user()):
            return train(params, train_set, num_boost_round, *args, **kwargs)
        writer = _state.writer if inside_fit else _fluent.current_for_autolog()
        if not inside_fit:
            logged = dict(params or {})
            logged.setdefault("num_boost_round", num_boost_round)
            writer.log_params({k: v for k, v in logged.items() if k not in writer.params and not callable(v)})
            _tags(writer, "Booster", "lightgbm.basic.Booster")
        callback = _MetricsCallback(writer)
        _state.callback = callback
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [callback]
        _state.training = True
        try:
            booster = train(params, train_set, num_boost_round, *args, **kwargs)
        finally:
            _state.training = False
        if not inside_fit:
            _after_training(writer, booster)
        return booster

    wrapped._git_track = True  # type: ignore[attr-defined]
    return wrapped


class _MetricsCallback:
    # Runs before early stopping (order 30), which ends the training by raising.
    order = 25
    before_iteration = False

    def __init__(self, writer) -> None:
        self.writer = writer
        self.history: Dict[str, List[float]] = {}

    def __call__(self, env) -> None:
        for entry in env.evaluation_result_list or []:
            data, metric, value = entry[0], entry[1], entry[2]
            key = "%s-%s" % (data, metric)
            self.history.setdefault(key, []).append(float(value))
            self.writer.log_metric(key, float(value), step=env.iteration - env.begin_iteration)


def _tags(writer, name: str, cls: str) -> None:
    tags = {"estimator_name": name, "estimator_class": cls}
    tags.update(_settings.get("extra_tags") or {})
    writer.set_tags(tags)


def _after_training(writer, booster) -> None:
    best = int(getattr(booster, "best_iteration", 0) or 0)  # 1-based; 0 without early stopping
    history = getattr(getattr(_state, "callback", None), "history", {})
    # The booster keeps the iterations up to the best one; the training went on past it.
    stopped = max((len(v) for v in history.values()), default=booster.current_iteration()) - 1
    if best > 0:
        writer.log_metric("best_iteration", best - 1)
        writer.log_metric("stopped_iteration", stopped)
        if best - 1 < stopped:
            # As MLflow: the values at the best iteration, one step past the last.
            for key, values in history.items():
                if len(values) >= best:
                    writer.log_metric(key, values[best - 1], step=stopped + 1)
    tmp = tempfile.mkdtemp(prefix="git-track-lgb-")
    try:
        names = booster.feature_name()
        for kind in ("split", "gain"):
            path = os.path.join(tmp, "feature_importance_%s.json" % kind)
            values = booster.feature_importance(importance_type=kind)
            with open(path, "w") as f:
                json.dump({n: float(v) for n, v in zip(names, values)}, f, indent=2, sort_keys=True)
            writer.add_artifact(path, "feature_importance_%s.json" % kind)
        if _settings.get("log_models", True):
            path = os.path.join(tmp, "model.txt")
            booster.save_model(path)
            writer.add_artifact(path, "model/model.txt")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    writer.has_model = True
