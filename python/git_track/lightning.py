"""A Lightning ``Logger`` that records the training as a git-track run:

    import lightning as L
    from git_track.lightning import GitTrackLogger

    trainer = L.Trainer(logger=GitTrackLogger(run_name="mlp"), max_epochs=10)
    trainer.fit(model, train_loader, val_loader)

The hyperparameters (``self.save_hyperparameters()``) are the run's params (nested ones
flattened as ``optimizer/lr``), every metric ``self.log`` sends is a step series (Lightning's
global step), and the run ends with the fit: ``finished``, or ``failed`` when it raised
(``killed`` on Ctrl-C). ``logger.version`` is the run id, ``logger.experiment`` the run
(a :class:`git_track.ActiveRun`: ``logger.experiment.log_param(...)``).

Which run: under ``git-track run`` the process's run; inside a ``git_track.start_run()`` block
that run (the logger logs into it and leaves ending it to the block); else a run of its own,
recorded when the fit ends. Metrics logged after that (``trainer.test`` after ``fit``) go to a
new run, a child of the first. Only the rank-zero process records.

Importing this module imports Lightning (``lightning``, else ``pytorch_lightning``);
``import git_track`` does not. Also reachable as ``git_track.pytorch.GitTrackLogger``.
"""

from __future__ import annotations

import sys
from argparse import Namespace
from typing import Any, Dict, Mapping, Optional, Union

try:
    from lightning.fabric.utilities.logger import _add_prefix, _convert_params, _flatten_dict
    from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
    from lightning.pytorch.utilities import rank_zero_only
except ImportError:  # the standalone package of the same code
    try:
        from lightning_fabric.utilities.logger import _add_prefix, _convert_params, _flatten_dict
        from pytorch_lightning.loggers.logger import Logger, rank_zero_experiment
        from pytorch_lightning.utilities import rank_zero_only
    except ImportError:
        raise ImportError("git_track.lightning needs Lightning 2: pip install lightning (or pytorch-lightning)") from None

from . import _fluent
from ._fluent import ActiveRun, start_run
from ._run import RunWriter

# Lightning's status words (Trainer.fit: "success" or "failed"; a SLURM requeue: "finished").
_STATUSES = {"success": "FINISHED", "finished": "FINISHED", "failed": "FAILED"}

__all__ = ["GitTrackLogger"]


class GitTrackLogger(Logger):
    """Lightning's ``Logger`` interface over a git-track run (see the module's documentation).

    ``run_name``, ``experiment_name``, ``tags``, ``description`` and ``log_system_metrics``
    are :func:`git_track.start_run`'s, for a run the logger starts (a run it joins keeps its
    own name; ``tags`` are added to it). ``prefix`` is put before every metric name, joined
    with ``-`` (as Lightning's own loggers)."""

    LOGGER_JOIN_CHAR = "-"

    def __init__(self, run_name: Optional[str] = None, experiment_name: Optional[str] = None,
                 tags: Optional[Dict[str, Any]] = None, description: Optional[str] = None,
                 log_system_metrics: Optional[bool] = None, prefix: str = "") -> None:
        super().__init__()
        self._run_name = run_name
        self._experiment_name = experiment_name
        self._tags = dict(tags or {})
        self._description = description
        self._log_system_metrics = log_system_metrics
        self._prefix = prefix
        self._writer: Optional[RunWriter] = None
        self._owned = False  # started here, so ended here (a run the program opened is ended by it)
        self._previous: Optional[str] = None  # the ended run a later one continues, as its child

    # -- the run -------------------------------------------------------------------------------
    def _run(self) -> RunWriter:
        if self._writer is None or self._writer.ended is not None:
            active = _fluent.active_run()
            if active is not None:
                self._writer, self._owned = active._writer, False
                if self._tags:
                    self._writer.set_tags(self._tags)
            else:
                # After our run ended (fit, then test), a new run continues it as its child.
                run = start_run(run_name=self._run_name, experiment_id=self._experiment_name, tags=self._tags or None,
                                description=self._description, log_system_metrics=self._log_system_metrics,
                                parent_run_id=self._previous)
                self._writer, self._owned = run._writer, True
        return self._writer

    @property
    @rank_zero_experiment
    def experiment(self) -> ActiveRun:
        """The run (a :class:`git_track.ActiveRun`), started on first use."""
        return ActiveRun(self._run())

    @property
    def name(self) -> Optional[str]:
        """The experiment's name (None when the run has none)."""
        if self._writer is not None:
            return self._writer.experiment
        return self._experiment_name or _fluent._experiment

    @property
    def version(self) -> Optional[str]:
        """The run id: of the run logged to last, else of a run started now (None on ranks other
        than zero, which record nothing)."""
        if rank_zero_only.rank > 0:
            return None
        return (self._writer or self._run()).id

    # -- logging -------------------------------------------------------------------------------
    @rank_zero_only
    def log_hyperparams(self, params: Union[Dict[str, Any], Namespace], *args: Any, **kwargs: Any) -> None:
        """The hyperparameters as the run's params (nested dicts flattened with ``/``)."""
        flat = _flatten_dict(_convert_params(params) or {})
        if flat:
            self._run().log_params(flat)

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        """Each metric at ``step`` (Lightning's global step; 0 when not given, as MLflow)."""
        writer = self._run()
        for key, value in _add_prefix(dict(metrics), self._prefix, self.LOGGER_JOIN_CHAR).items():
            writer.log_metric(key, value, step)

    @rank_zero_only
    def save(self) -> None:
        """Write the buffered steps to the run's staging directory now (``git-track list`` shows them)."""
        if self._writer is not None and self._writer.ended is None:
            self._writer.flush()

    @rank_zero_only
    def finalize(self, status: str) -> None:
        """End the run the logger started with Lightning's status (``success`` → finished,
        ``failed`` → failed, or killed when the fit was stopped by Ctrl-C); a run the program
        started stays open for it to end."""
        writer = self._writer
        if writer is None or writer.ended is not None:
            return
        if not self._owned:
            writer.flush()
            return
        ending = _STATUSES.get(status, "FINISHED")
        if ending == "FAILED":
            # Lightning says "failed" for Ctrl-C too; it calls this while handling the exception.
            exc = sys.exc_info()[0]
            if exc is not None and issubclass(exc, KeyboardInterrupt):
                ending = "KILLED"
        self._previous = writer.id
        _fluent._end(writer, ending)
