"""docs/DEPLOY.md read as its tests read it: the fenced blocks by language, and the few
replacements that put a snippet on this machine.

A replacement names the exact text of the guide it stands in for; if the guide stops
saying it, the replacement fails instead of silently testing something else.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "DEPLOY.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
# What a reader fills in: `<password>`, `<MinIO access key>` and the like.
PLACEHOLDER = re.compile(r"<[^<>\n]+>")


def blocks(language: str) -> list[str]:
    """Every fenced block of the guide marked ``language`` (``nginx``, ``ini``, ``sh``), in order."""
    return [body for lang, body in FENCE.findall(DOC.read_text()) if lang == language]


def replace(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each key replaced by its value; every key must occur in it."""
    for old, new in replacements.items():
        assert old in text, f"docs/DEPLOY.md no longer says {old!r}: update the test's replacements"
        text = text.replace(old, new)
    return text


def env_file() -> str:
    """The ``/etc/gridwalk/env`` block: the ``sh`` block of ``NAME=value`` lines."""
    (block,) = [b for b in blocks("sh") if b.startswith("GRIDWALK_ENV=")]
    return block


def env_lines(text: str) -> dict[str, str]:
    """NAME -> value as written (quotes included) in an environment file."""
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {name: value for name, value in pairs}


def unquoted(value: str) -> str:
    """A value as systemd's EnvironmentFile reads it: one pair of surrounding quotes removed."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def units() -> dict[str, str]:
    """The systemd units of the guide by file name, named by the path the guide gives them."""
    found = {}
    text = DOC.read_text()
    for match in FENCE.finditer(text):
        if match.group(1) != "ini":
            continue
        before = text[:match.start()]
        names = re.findall(r"/etc/systemd/system/([\w.-]+\.(?:service|timer))", before + match.group(2)[:200])
        found[names[-1]] = match.group(2)
    return found


def exec_start(unit: str) -> list[str]:
    """The ExecStart= command line of a unit as argv, continuation lines joined, ``%%`` as ``%``."""
    joined = re.sub(r"\\\n\s*", " ", unit)
    (line,) = [line for line in joined.splitlines() if line.startswith("ExecStart=")]
    return [word.replace("%%", "%") for word in shlex.split(line.removeprefix("ExecStart="))]


def env_steps() -> list[str]:
    """The ``sh -c '…'`` commands of the install and upgrade blocks that read the env file, in order."""
    steps = []
    for block in blocks("sh"):
        for line in block.splitlines():
            if ". /etc/gridwalk/env" in line and " sh -c " in line:
                words = shlex.split(line.split("#", 1)[0])
                steps.append(words[words.index("-c") + 1])
    return steps


def cron_command() -> str:
    """The command of the guide's cron line, without its five time fields and its user."""
    (line,) = re.findall(r"`(\* \* \* \* \* .*?)`", DOC.read_text())
    return line.split(None, 6)[6]


def backup_block() -> list[str]:
    """The commands of the Backups block, comments dropped."""
    (block,) = [b for b in blocks("sh") if "wsgi backup" in b]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
