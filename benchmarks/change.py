"""``--compare OLD.json``: ember's time and ratio per workload in two saved runs, so that a regression shows at a
glance. Workloads are matched by name; those in only one run are listed."""
from __future__ import annotations

from .harness import NAME_WIDTH

SLOWER = 10.0  # a change above this many percent is flagged


def _ratio(row: dict) -> str:
    return "-" if row.get("ratio") is None else f"{row['ratio']:.2f}"


def change_rows(old: dict, new: dict) -> list[str]:
    """Lines of the table: old and new ember ms, the change in %, old and new ratio (ember / torch)."""
    old_rows = {row["name"]: row for row in old["results"]}
    new_rows = {row["name"]: row for row in new["results"]}
    lines = [f"{'workload':<{NAME_WIDTH}} {'old ms':>10} {'new ms':>10} {'change':>8} {'old ratio':>9} "
             f"{'new ratio':>9}"]
    for name, row in new_rows.items():
        if name not in old_rows:
            continue
        before = old_rows[name]
        change = (row["ember_ms"] / before["ember_ms"] - 1) * 100
        flag = "  slower" if change > SLOWER else ""
        lines.append(f"{name:<{NAME_WIDTH}} {before['ember_ms']:10.3f} {row['ember_ms']:10.3f} {change:+7.1f}% "
                     f"{_ratio(before):>9} {_ratio(row):>9}{flag}")
    for which, names in (("old", [n for n in old_rows if n not in new_rows]),
                         ("new", [n for n in new_rows if n not in old_rows])):
        if names:
            lines.append(f"only in the {which} run: " + "; ".join(names))
    threads = [tuple(run.get("machine", {}).get(k) for k in ("ember_threads", "torch_threads", "busy_processes"))
               for run in (old, new)]
    if threads[0] != threads[1]:
        lines.append(f"note: the runs differ in (ember threads, torch threads, busy processes): "
                     f"old {threads[0]}, new {threads[1]}")
    return lines
