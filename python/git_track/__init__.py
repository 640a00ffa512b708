"""git-track from Python: MLflow's fluent API, recording runs on the ``runs`` branch of your
git repository. Standard library only.

    import git_track

    with git_track.start_run(run_name="baseline"):
        git_track.log_params({"lr": 0.01})
        for epoch in range(10):
            git_track.log_metric("loss", loss, step=epoch)
        git_track.log_artifact("models/churn.pkl")

Inside ``git-track run -- python train.py`` a run reports into its staging directory and
git-track records it when the program exits, with its exit status. Outside, a run is recorded
when it ends, by the ``git-track`` command ($GIT_TRACK_BIN, on PATH, or beside this package in
the npm package). See docs/run-contract.md for what is written where.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from ._api import (delete_tag, log_artifact, log_artifacts, log_input, log_metric, log_metrics, log_param,
                   log_params, set_tag, set_tags)
from ._errors import CliNotFoundError, GitTrackError
from ._files import log_dict, log_figure, log_image, log_table, log_text
from ._fluent import ActiveRun, Experiment, active_run, end_run, last_active_run, set_experiment, start_run
from ._query import get_run, search_runs
from ._run import Run, RunData, RunInfo

__version__ = "0.1.0"

__all__ = [
    "start_run", "end_run", "active_run", "last_active_run", "log_param", "log_params", "log_metric",
    "log_metrics", "set_tag", "set_tags", "delete_tag", "log_artifact", "log_artifacts", "log_text", "log_dict",
    "log_figure", "log_image", "log_table", "log_input", "set_experiment", "get_run", "search_runs", "autolog",
    "flush", "ActiveRun", "Run", "RunInfo", "RunData", "Experiment", "GitTrackError", "CliNotFoundError",
]


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    log_traces: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    extra_tags: Optional[Dict[str, str]] = None,
    exclude_flavors: Optional[List[str]] = None,
) -> None:
    """Autolog every supported library that is installed: scikit-learn, XGBoost and LightGBM (see
    ``git_track.sklearn.autolog``, ``git_track.xgboost.autolog`` and
    ``git_track.lightgbm.autolog`` for what is logged).
    ``disable=True`` turns it off; ``exclude_flavors=["xgboost"]`` leaves a library out."""
    import importlib.util

    excluded = set(exclude_flavors or [])
    options = dict(log_input_examples=log_input_examples, log_model_signatures=log_model_signatures,
                   log_models=log_models, log_datasets=log_datasets, disable=disable, exclusive=exclusive,
                   disable_for_unsupported_versions=disable_for_unsupported_versions, silent=silent,
                   extra_tags=extra_tags)
    if "lightgbm" not in excluded and importlib.util.find_spec("lightgbm") is not None:
        from . import lightgbm as _lightgbm

        _lightgbm.autolog(**options)
    if "xgboost" not in excluded and importlib.util.find_spec("xgboost") is not None:
        from . import xgboost as _xgboost

        _xgboost.autolog(**options)
    if "sklearn" not in excluded and importlib.util.find_spec("sklearn") is not None:
        from . import sklearn as _sklearn

        _sklearn.autolog(log_input_examples=log_input_examples, log_model_signatures=log_model_signatures,
                         log_models=log_models, log_datasets=log_datasets, disable=disable, exclusive=exclusive,
                         disable_for_unsupported_versions=disable_for_unsupported_versions, silent=silent,
                         extra_tags=extra_tags)


def flush() -> None:
    """Write every open run's buffered metric steps to its staging directory now (done on its
    own at least every second, and when a run ends)."""
    from ._run import flush_all

    flush_all()
