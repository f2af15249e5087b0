"""A PNG of a run's bus occupancy per channel over time (make sim writes one next to its
summary): for each controller and channel, a row for its data reads, its data writes and
its descriptor traffic (fetches and status write-backs), each bar a burst's data phase;
each row's label gives its share of the run's clock cycles; channels that never used the
bus are left out."""

from __future__ import annotations

from pathlib import Path

from tb.trace.bus_log import BusLog

ROWS = (("read", "R", "tab:blue"), ("write", "W", "tab:orange"), ("descriptors", "FS", "tab:green"))


def _coalesce(spans: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """Touching bars as one (a long run has millions of bursts; the picture is the same)."""
    out: list[tuple[float, float]] = []
    for t0, t1 in sorted(spans):
        if out and t0 - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(out[-1][1], t1))
        else:
            out.append((t0, t1))
    return out


def render(logs: list[BusLog], path: Path, clk_ns: float) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = min((b.t_addr for log in logs for b in log.bursts), default=0)
    end = max((log.end for log in logs), default=start + clk_ns)
    span = max(end - start, clk_ns)
    # the channels that used the bus (an idle one is a row of nothing)
    active = [(d, c) for d, log in enumerate(logs) for c in range(log.num_ch) if any(b.ch == c for b in log.bursts)]
    rows = [(d, c, r) for d, c in active for r in ROWS]
    fig, ax = plt.subplots(figsize=(12, 1.2 + 0.28 * len(rows)))
    labels = []
    for y, (d, c, (name, kinds, color)) in enumerate(rows):
        bursts = [b for b in logs[d].bursts if b.ch == c and b.kind in kinds]
        spans = [(b.t_addr, b.t_resp + clk_ns) if b.kind in "FS" else (b.t_first, b.t_last + clk_ns) for b in bursts]
        busy = sum(b.beats for b in bursts) * clk_ns  # one beat per clock on the bus
        bars = _coalesce(spans, clk_ns / 2)
        ax.broken_barh([((t0 - start) / 1000, (t1 - t0) / 1000) for t0, t1 in bars], (y - 0.4, 0.8), color=color)
        prefix = f"dma{d} " if len(logs) > 1 else ""
        labels.append(f"{prefix}ch{c} {name} ({100 * busy / span:.0f}%)")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, span / 1000)
    ax.set_xlabel("simulated time (us)")
    idle = sum(log.num_ch for log in logs) - len(active)
    ax.set_title(
        "bus occupancy per channel: data phase of each burst (share of the run's clock cycles)"
        + (f"; {idle} idle channel{'s' if idle != 1 else ''} not shown" if idle else "")
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
