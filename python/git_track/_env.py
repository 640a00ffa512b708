"""The environment of the run as the program saw it: the interpreter that ran, and the versions
of the ML libraries it imported (not whatever ``python3`` is first on PATH)."""

from __future__ import annotations

import platform
import sys
from typing import Any, Dict

# Import name -> distribution name, for the libraries whose versions matter to a result.
_LIBRARIES = {
    "numpy": "numpy", "scipy": "scipy", "pandas": "pandas", "polars": "polars", "pyarrow": "pyarrow",
    "sklearn": "scikit-learn", "xgboost": "xgboost", "lightgbm": "lightgbm", "catboost": "catboost",
    "torch": "torch", "torchvision": "torchvision", "lightning": "lightning",
    "pytorch_lightning": "pytorch-lightning", "tensorflow": "tensorflow", "keras": "keras", "jax": "jax",
    "transformers": "transformers", "datasets": "datasets", "statsmodels": "statsmodels",
    "optuna": "optuna", "matplotlib": "matplotlib", "PIL": "pillow",
}


def environment() -> Dict[str, Any]:
    """``{"python": "3.11.2", "python_executable": ..., "packages": {"scikit-learn": "1.2.1", ...}}``
    for the libraries imported so far."""
    packages = {}
    for module_name, dist in _LIBRARIES.items():
        module = sys.modules.get(module_name)
        if module is None:
            continue
        version = getattr(module, "__version__", None)
        if not isinstance(version, str):
            try:
                from importlib.metadata import version as dist_version

                version = dist_version(dist)
            except Exception:  # noqa: BLE001 - a library without metadata is simply not listed
                continue
        packages[dist] = version
    return {"python": platform.python_version(), "python_executable": sys.executable, "packages": packages}
