"""Finding and calling the ``git-track`` command-line program (Node.js), which does the git work."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from typing import List, Optional

from ._errors import CliNotFoundError, GitTrackError

INSTALL_HINT = (
    "install it with `npm install -g git-track` (Node.js 20 or later), "
    "or set GIT_TRACK_BIN to the git-track executable"
)


def find_cli() -> List[str]:
    """The command that runs git-track: ``$GIT_TRACK_BIN``, ``git-track`` on PATH, or the
    package's own ``bin/git-track.js`` when this module sits in the npm package's ``python/``.

    Raises :class:`CliNotFoundError` naming how to install it."""
    given = os.environ.get("GIT_TRACK_BIN")
    if given:
        # A path (which may hold spaces) or a command line such as "node /opt/git-track/bin/git-track.js".
        return [given] if os.path.isfile(given) else shlex.split(given)
    found = shutil.which("git-track")
    if found:
        return [found]
    here = os.path.dirname(os.path.abspath(__file__))
    for own in (os.path.join(here, "..", "..", "bin", "git-track.js"),):
        node = shutil.which("node")
        if os.path.isfile(own) and node:
            return [node, os.path.normpath(own)]
    raise CliNotFoundError("cannot find the git-track command: " + INSTALL_HINT)


def run_cli(args: List[str], cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run ``git-track ARGS`` and return the finished process (text output captured)."""
    command = find_cli() + args
    try:
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    except OSError as err:
        raise CliNotFoundError("cannot run %s: %s; %s" % (command[0], err, INSTALL_HINT)) from err


def check_cli(args: List[str], cwd: Optional[str] = None) -> str:
    """Run ``git-track ARGS``; its stdout, or :class:`GitTrackError` with its error line."""
    result = run_cli(args, cwd)
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "exit %d" % result.returncode
        raise GitTrackError("git-track %s failed: %s" % (args[0], message.replace("git-track: ", "", 1)))
    return result.stdout
