"""What the gradient-boosting autologgers (XGBoost, LightGBM) share: the options git-track
refuses, and patching a library's ``train`` function and its scikit-learn wrappers' ``fit``."""
from typing import Any, Callable, Iterable, List, Optional, Tuple

from ._errors import GitTrackError

Patched = List[Tuple[Any, str, Any]]


def refuse_unsupported(framework: str, log_input_examples: bool, registered_model_name: Optional[str],
                       exclusive: bool) -> None:
    """Raise for an ``autolog`` option MLflow accepts and git-track cannot honour."""
    if log_input_examples:
        raise GitTrackError(f"{framework}.autolog(log_input_examples=True): git-track does not record input examples")
    if registered_model_name:
        raise GitTrackError(f"{framework}.autolog(registered_model_name=...): git-track has no model registry; "
                            "promote the run with `git-track promote RUN --stage NAME`")
    if exclusive:
        raise GitTrackError(f"{framework}.autolog(exclusive=True): autologging always logs into the active run")


def patch_training(patched: Patched, train: Callable[..., Any], owners: Iterable[Any], wrap_train: Callable[[Any], Any],
                   sklearn_module: Any, wrappers: Iterable[str], wrap_fit: Callable[[Any], Any]) -> None:
    """Replace ``train`` wherever a module holds it and each wrapper class's own ``fit``,
    recording every replacement in ``patched`` so :func:`unpatch` can undo them."""
    wrapped = wrap_train(train)
    for module in owners:
        if getattr(module, "train", None) is train:
            setattr(module, "train", wrapped)
            patched.append((module, "train", train))
    for name in wrappers:
        cls = getattr(sklearn_module, name, None)
        fit = cls.__dict__.get("fit") if cls is not None else None
        if fit is not None:
            setattr(cls, "fit", wrap_fit(fit))
            patched.append((cls, "fit", fit))


def unpatch(patched: Patched) -> None:
    """Put back what :func:`patch_training` replaced, newest first."""
    while patched:
        owner, name, original = patched.pop()
        setattr(owner, name, original)
