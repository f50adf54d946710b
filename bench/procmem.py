"""Memory of a process tree, sampled from /proc (Linux): for the benchmarks only."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def tree(root: int) -> dict[int, tuple[int, int]]:
    """``{pid: (VmRSS kB, VmHWM kB)}`` for ``root`` and all its descendants now."""
    children: dict[int, list[int]] = {}
    mem: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip()), []).append(pid)
        mem[pid] = (int(fields.get("VmRSS", "0 kB").split()[0]), int(fields.get("VmHWM", "0 kB").split()[0]))
    out, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in mem:
            out[pid] = mem[pid]
        stack.extend(children.get(pid, []))
    return out


def run_and_sample(cmd: list[str], **popen) -> dict:
    """Run ``cmd`` to completion, sampling memory every 0.1 s: wall time, each process's peak
    (VmHWM, the coordinator apart), and the peak of all processes together."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **popen)
    total_peak, hwm = 0, {}
    while proc.poll() is None:
        t = tree(proc.pid)
        total_peak = max(total_peak, sum(rss for rss, _ in t.values()))
        for pid, (_, high) in t.items():
            hwm[pid] = max(hwm.get(pid, 0), high)
        time.sleep(0.1)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode:
        raise RuntimeError(f"{cmd} failed: {err[-500:]}")
    coordinator = hwm.pop(proc.pid, 0)
    return {"wall_s": round(time.perf_counter() - t0, 2), "coordinator_peak_mb": round(coordinator / 1024, 1),
            "largest_other_process_peak_mb": round(max(hwm.values(), default=0) / 1024, 1),
            "all_processes_peak_mb": round(total_peak / 1024, 1)}
