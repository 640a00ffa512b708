"""System metrics of a run started with ``log_system_metrics=True`` (the same series as
``git-track run`` samples, see src/capture/system-metrics.ts): CPU and memory of this process
and its children, and per GPU its utilisation and memory when ``nvidia-smi`` is on PATH, every
10 s ($GIT_TRACK_SYSTEM_METRICS_INTERVAL seconds), into the run's ``system-metrics.jsonl``.
Linux only (it reads /proc); elsewhere nothing is sampled."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from typing import Dict, List, Optional, Tuple

FILE = "system-metrics.jsonl"
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def interval_s() -> float:
    try:
        return max(0.1, float(os.environ.get("GIT_TRACK_SYSTEM_METRICS_INTERVAL", "10")))
    except ValueError:
        return 10.0


def tree_usage(root: int) -> Optional[Tuple[int, int]]:
    """CPU ticks and resident bytes of ``root`` and every process below it, or None off Linux."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    stats: Dict[int, Tuple[int, int, int]] = {}
    children: Dict[int, List[int]] = {}
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split(" ")
        pid, ppid = int(name), int(fields[1])
        stats[pid] = (ppid, int(fields[11]) + int(fields[12]), int(fields[21]))
        children.setdefault(ppid, []).append(pid)
    if root not in stats:
        return None
    ticks = pages = 0
    queue = [root]
    while queue:
        pid = queue.pop()
        if pid in stats:
            ticks += stats[pid][1]
            pages += stats[pid][2]
            queue.extend(children.get(pid, []))
    return ticks, pages * _PAGE


def _gpus(nvidia_smi: str) -> List[Tuple[int, float, float]]:
    try:
        out = subprocess.run([nvidia_smi, "--query-gpu=index,utilization.gpu,memory.used",
                              "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.splitlines():
        try:
            index, util, mem = (float(v) for v in line.split(","))
            gpus.append((int(index), util, mem))
        except ValueError:
            continue
    return gpus


class Sampler:
    """Samples until :meth:`stop`, on a daemon thread."""

    def __init__(self, run_dir: str) -> None:
        self.path = os.path.join(run_dir, FILE)
        self.interval = interval_s()
        self.nvidia_smi = shutil.which("nvidia-smi")
        self._stop = threading.Event()
        usage = tree_usage(os.getpid())
        self._last = (usage[0] if usage else 0, time.monotonic())
        self._step = 0
        self._thread = threading.Thread(target=self._loop, name="git-track-system-metrics", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        lines = []
        ts = int(time.time() * 1000)

        def put(name: str, value: float) -> None:
            lines.append('{"name":"system/%s","step":%d,"value":%s,"ts":%d}\n' % (name, self._step, round(value, 3), ts))

        usage = tree_usage(os.getpid())
        now = time.monotonic()
        if usage:
            seconds = now - self._last[1]
            if seconds > 0:
                put("cpu_utilization_percentage", max(0.0, (usage[0] - self._last[0]) / _TICKS / seconds * 100))
            put("process_memory_usage_megabytes", usage[1] / 1024 / 1024)
            self._last = (usage[0], now)
        if self.nvidia_smi:
            for index, util, mem in _gpus(self.nvidia_smi):
                put("gpu_%d_utilization_percentage" % index, util)
                put("gpu_%d_memory_usage_megabytes" % index, mem)
        if lines:
            self._step += 1
            try:
                with open(self.path, "a") as f:
                    f.write("".join(lines))
            except OSError:
                pass  # the run was recorded meanwhile

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 6)
