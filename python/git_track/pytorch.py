"""PyTorch models as artifacts. A training loop logs its own metrics (there is no autologger for
plain PyTorch, as in MLflow):

    import torch, git_track, git_track.pytorch

    with git_track.start_run(run_name="mlp"):
        git_track.log_params({"lr": 1e-3, "epochs": 10})
        for epoch in range(10):
            loss = train_one_epoch(model, optimizer)
            git_track.log_metric("loss", loss, step=epoch)
        git_track.pytorch.log_model(model, "model")

``log_model`` keeps ``<artifact_path>/state_dict.pth`` (``torch.save`` of the state dict: no
pickled code, loads with any version of the class that has the same parameters) and
``<artifact_path>/model.json`` (the model's class, its import path, the torch version).
``load_model(directory)`` rebuilds it from a directory ``git-track get`` restored.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from typing import Any, Optional

from ._errors import GitTrackError
from ._fluent import current


def log_model(pytorch_model: Any, artifact_path: str = "model") -> None:
    """Keep a ``torch.nn.Module``'s state dict and class name as artifacts of the active run."""
    import torch

    if not isinstance(pytorch_model, torch.nn.Module):
        raise GitTrackError("pytorch.log_model: expected a torch.nn.Module, got %s" % type(pytorch_model).__name__)
    cls = type(pytorch_model)
    writer = current()
    tmp = tempfile.mkdtemp(prefix="git-track-torch-")
    try:
        torch.save(pytorch_model.state_dict(), os.path.join(tmp, "state_dict.pth"))
        with open(os.path.join(tmp, "model.json"), "w") as f:
            json.dump({"class": cls.__qualname__, "module": cls.__module__, "torch": torch.__version__,
                       "parameters": int(sum(p.numel() for p in pytorch_model.parameters()))}, f, indent=2)
        base = artifact_path.strip("/") or "model"
        for name in ("state_dict.pth", "model.json"):
            writer.add_artifact(os.path.join(tmp, name), base + "/" + name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_model(path: str, model: Optional[Any] = None) -> Any:
    """The model kept by :func:`log_model`, from its directory (``git-track get RUN model``):
    its state dict loaded into ``model`` when given, else into a new instance of the recorded
    class (imported by its module path; its constructor must need no arguments)."""
    import torch

    with open(os.path.join(path, "model.json")) as f:
        info = json.load(f)
    if model is None:
        if info.get("module") == "__main__":
            raise GitTrackError("pytorch.load_model: %s was defined in the training script (__main__); pass an "
                                "instance: load_model(path, %s())" % (info.get("class"), info.get("class")))
        target: Any = importlib.import_module(info["module"])
        for part in info["class"].split("."):
            target = getattr(target, part)
        model = target()
    model.load_state_dict(torch.load(os.path.join(path, "state_dict.pth"), map_location="cpu"))
    return model


def __getattr__(name: str) -> Any:
    # git_track.pytorch.GitTrackLogger: imported on first use, so this module never needs Lightning.
    if name == "GitTrackLogger":
        from .lightning import GitTrackLogger

        return GitTrackLogger
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
