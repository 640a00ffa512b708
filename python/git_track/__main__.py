"""``python -m git_track ARGS``: the git-track command line, for Python users who installed
the package (the command itself is the Node.js program; see README)."""

import subprocess
import sys

from ._cli import find_cli
from ._errors import CliNotFoundError


def main() -> int:
    try:
        command = find_cli()
    except CliNotFoundError as err:
        sys.stderr.write("git-track: %s\n" % err)
        return 1
    try:
        return subprocess.call(command + sys.argv[1:])
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
