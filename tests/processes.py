"""Processes seen from /proc, for the kill -9 tests."""

from pathlib import Path


def processes_in_group(group: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _, pgid = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgid) == group and state != "Z":
            alive.append(int(entry.name))
    return alive
