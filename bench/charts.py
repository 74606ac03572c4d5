"""Charts for benchmark results; needs matplotlib, which is optional (callers skip on ImportError)."""
from __future__ import annotations

from pathlib import Path


def tpch_chart(doc: dict, path: Path) -> Path:
    """Grouped bar chart (log scale) of per-query milliseconds per engine from a runner result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    queries = doc["queries"]
    engines = list(doc["engines"])
    width = 0.8 / max(len(engines), 1)
    fig, ax = plt.subplots(figsize=(max(8, len(queries) * 0.6), 4.5))
    for i, e in enumerate(engines):
        per = doc["engines"][e].get("queries", {})
        xs, ys = [], []
        for j, n in enumerate(queries):
            q = per.get(n) or per.get(str(n)) or {}
            if "ms" in q:
                xs.append(j + (i - (len(engines) - 1) / 2) * width)
                ys.append(q["ms"])
        ax.bar(xs, ys, width=width, label=e)
    ax.set_xticks(range(len(queries)))
    ax.set_xticklabels([f"Q{n}" for n in queries])
    ax.set_yscale("log")
    ax.set_ylabel("ms (median of warm runs, log scale)")
    ax.set_title(f"TPC-H SF{doc['scale']:g}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
