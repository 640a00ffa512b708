"""A PEP 517 build backend for the git_track package, standard library only.

Builds a pure-Python wheel (``git_track-<version>-py3-none-any.whl``) and an sdist
(``git_track-<version>.tar.gz``) from ``python/``; file times are fixed, so the same sources
give the same bytes. Run as a script to build both: ``python3 git_track_build.py OUT_DIR``.
"""

import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "git-track"
DIST = "git_track"
PACKAGE = "git_track"
# 1980-01-02: zip cannot hold earlier times; SOURCE_DATE_EPOCH wins when set.
EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "315619200"))


def _version():
    with open(os.path.join(ROOT, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        m = re.search(r'^__version__ = "([^"]+)"$', f.read(), re.M)
    if not m:
        raise RuntimeError("no __version__ in git_track/__init__.py")
    return m.group(1)


def _package_files():
    out = []
    for base, dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".typed")):
                full = os.path.join(base, name)
                out.append(os.path.relpath(full, ROOT).replace(os.sep, "/"))
    return out


def _metadata():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: Git-native experiment tracking for machine learning, with MLflow's fluent API\n"
        "License: MIT\n"
        "Requires-Python: >=3.8\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: Typing :: Typed\n"
        "Description-Content-Type: text/markdown\n"
        "\n%s" % (NAME, _version(), readme)
    )


def _zip_write(z, arcname, data):
    info = zipfile.ZipInfo(arcname, date_time=_date_time())
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def _date_time():
    import time

    return time.gmtime(max(EPOCH, 315532800))[:6]


def _wheel(wheel_directory, files):
    """Write a wheel holding ``files`` ({arcname: bytes}) plus its dist-info; return its name."""
    version = _version()
    dist_info = "%s-%s.dist-info" % (DIST, version)
    name = "%s-%s-py3-none-any.whl" % (DIST, version)
    contents = dict(files)
    contents[dist_info + "/METADATA"] = _metadata().encode("utf-8")
    contents[dist_info + "/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: git_track_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = []
    for arcname, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (arcname, digest, len(data)))
    record.append(dist_info + "/RECORD,,")
    contents[dist_info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    os.makedirs(wheel_directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for arcname, data in contents.items():
            _zip_write(z, arcname, data)
    return name


def _read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


# -- PEP 517 -----------------------------------------------------------------------------------
def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {rel: _read(rel) for rel in _package_files()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # PEP 660: a .pth file puts the source directory on sys.path.
    return _wheel(wheel_directory, {"__editable__.%s.pth" % DIST: (ROOT + "\n").encode()})


def build_sdist(sdist_directory, config_settings=None):
    version = _version()
    base = "%s-%s" % (DIST, version)
    name = base + ".tar.gz"
    members = ["pyproject.toml", "README.md", "build_backend/git_track_build.py"] + _package_files()
    os.makedirs(sdist_directory, exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        entries = [(base + "/PKG-INFO", _metadata().encode("utf-8"))] + [(base + "/" + rel, _read(rel)) for rel in members]
        for arcname, data in entries:
            info = tarfile.TarInfo(arcname)
            info.size, info.mtime, info.mode = len(data), EPOCH, 0o644
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    import gzip

    with open(os.path.join(sdist_directory, name), "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=EPOCH) as gz:
            gz.write(raw.getvalue())
    return name


if __name__ == "__main__":
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "dist")
    print(os.path.join(out, build_wheel(out)))
    print(os.path.join(out, build_sdist(out)))
