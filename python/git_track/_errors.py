"""Errors raised by the helper."""


class GitTrackError(Exception):
    """Recording or reading a run failed, or git-track cannot do what was asked."""


class CliNotFoundError(GitTrackError):
    """The ``git-track`` command-line program is not installed where the helper looks."""
