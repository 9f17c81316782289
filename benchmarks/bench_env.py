"""Where a benchmark ran: package versions and the machine, for every results file."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path


def versions(packages) -> dict:
    """Python's version and each installed package's (None when it is missing)."""
    out = {"python": platform.python_version()}
    for package in packages:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def machine() -> dict:
    """CPU model, cores, memory and platform of this machine."""
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip()
                    for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        mem_gb = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb,
            "platform": platform.platform()}
