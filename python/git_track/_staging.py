"""Staging directories: where a run in progress reports (the contract is docs/run-contract.md).

Under ``git-track run`` the program's first top-level run reports into the process's own
directory ($GIT_TRACK_RUN_DIR). Every other run -- a later top-level run, a nested run, or any
run outside ``git-track run`` -- gets a directory of its own beside it, owned by this Python
process, so ``git-track list`` shows it running and a crash is recovered as ``killed``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from typing import Any, Dict, Optional

from ._errors import GitTrackError
from ._values import write_json

RUN_DIR_VAR = "GIT_TRACK_RUN_DIR"
RUN_ID_VAR = "GIT_TRACK_RUN_ID"
STATE_FILE = "run.json"
PATCH_FILE = "code.patch"
_NUMERIC = re.compile(r"^[0-9]+(e[0-9]+)?$")


def new_run_id() -> str:
    """48 random bits as 12 hex digits, never one YAML would read as a number (as git-track's own)."""
    while True:
        run_id = secrets.token_hex(6)
        if not _NUMERIC.match(run_id):
            return run_id


def iso_time(seconds: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds."""
    millis = int(round(seconds * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis // 1000)) + ".%03dZ" % (millis % 1000)


def _start_ticks(pid: int) -> Optional[str]:
    # The same process start time git-track keeps to tell this process from a later one given its pid.
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split(" ")
    return fields[19] if len(fields) > 19 else None


def process_dir() -> Optional[str]:
    """The staging directory of the ``git-track run`` this process runs under, or None."""
    return os.environ.get(RUN_DIR_VAR) or None


def read_process_state() -> Dict[str, Any]:
    """The state git-track wrote for the process's run (command, code version), or {}."""
    d = process_dir()
    if not d:
        return {}
    try:
        with open(os.path.join(d, STATE_FILE)) as f:
            state = json.load(f)
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def staging_root() -> str:
    """Where staging directories of this repository live."""
    d = process_dir()
    if d:
        return os.path.dirname(os.path.normpath(d))
    try:
        result = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
                                capture_output=True, text=True)
    except OSError as err:
        raise GitTrackError("cannot run git: %s (git-track records runs in a git repository)" % err) from err
    if result.returncode != 0:
        raise GitTrackError("not inside a git repository (%s): git-track records runs on the repository's "
                            "`runs` branch; run your script from a git work tree or under `git-track run`"
                            % os.getcwd())
    return os.path.join(result.stdout.strip(), "git-track", "staging")


def create_run_dir(run_id: str, started: float) -> str:
    """Create the staging directory of a new run owned by this process, with its state file.

    Inside ``git-track run`` the run shares the process's command and code version (captured
    when the process started); outside, the code is captured when the run is recorded."""
    root = staging_root()
    d = os.path.join(root, run_id)
    os.makedirs(os.path.join(d, "artifacts"))
    process = read_process_state()
    given = process.get("input") if isinstance(process.get("input"), dict) else {}
    state: Dict[str, Any] = {
        "id": run_id,
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "started": iso_time(started),
        "owner": "api",
        "input": {"cwd": os.getcwd()},
    }
    ticks = _start_ticks(os.getpid())
    if ticks is not None:
        state["startTicks"] = ticks
    if process:
        state["process"] = process.get("id")
        if process.get("command"):
            state["command"] = process["command"]
        if given.get("code"):
            state["input"]["code"] = given["code"]
            patch = os.path.join(process_dir() or "", PATCH_FILE)
            if os.path.exists(patch):
                shutil.copyfile(patch, os.path.join(d, PATCH_FILE))
    else:
        command = _own_command()
        if command:
            state["command"] = command
    write_json(os.path.join(d, STATE_FILE), state)
    return d


def _own_command() -> Optional[list]:
    # `python train.py --lr 0.1` as it was run, so `git-track reproduce` can run it again.
    argv = list(sys.argv)
    if not argv or argv[0] in ("", "-", "-c"):
        return None
    return [sys.executable] + argv
