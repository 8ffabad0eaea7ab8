"""Writing benchmark results into docs/BENCHMARKS.md, one marked section per bench."""

from __future__ import annotations

import os
import platform

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "BENCHMARKS.md")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    return f"{os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}"


def replace_section(name: str, body: str, path: str = DOC, *, after: str | None = None) -> None:
    """Put ``body`` between ``<!-- name:start -->`` and ``<!-- name:end -->``.

    A new section goes right after the section named ``after`` when there is one, else at the end.
    """
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    elif after and f"<!-- {after}:end -->" in text:
        anchor = f"<!-- {after}:end -->"
        before, rest = text.split(anchor, 1)
        text = f"{before}{anchor}\n\n{block}{rest}"
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
