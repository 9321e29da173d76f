"""The program health chart: per program week, the share of pairs that met and the check-in
response rate (bars and line, left axis, %), with the average usefulness (right axis, 1-5).
A PNG 1,200 px wide with large type, readable on a phone. Drawn with matplotlib's Agg backend
through its object API (no pyplot, no display, no global state: safe in any thread).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.services.report import WeekPoint

WIDTH_IN, HEIGHT_IN, DPI = 12, 7, 100  # 1,200 x 700 px
MET_COLOUR, RESPONSE_COLOUR, USEFUL_COLOUR = "#2E7D32", "#1565C0", "#E65100"


def chart_title(*, cohort: bool) -> str:
    return "Program health by week" + (", current cohort" if cohort else "")


def draw_chart(weeks: Sequence[WeekPoint], *, cohort: bool) -> bytes | None:
    """The chart as PNG bytes; None when no week has been asked for check-ins yet."""
    weeks = [w for w in weeks if w.pairs]
    if not weeks:
        return None
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(weeks)))
    met = [100 * w.met.k / w.met.n if w.met.n else 0 for w in weeks]
    response = [100 * w.response.k / w.response.n if w.response.n else 0 for w in weeks]
    ax.bar(x, met, width=0.6, color=MET_COLOUR, alpha=0.85, label="Pairs that met (%)")
    ax.plot(x, response, color=RESPONSE_COLOUR, marker="o", markersize=9, linewidth=3,
            label="Check-ins answered (%)")
    ax.set_ylim(0, 105)
    ax.set_ylabel("%", fontsize=18)
    ax.set_xticks(x, [f"W{w.week}" for w in weeks], fontsize=16)
    ax.tick_params(axis="y", labelsize=16)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    for i, w in enumerate(weeks):
        ax.annotate(f"{w.pairs}", (i, 2), ha="center", va="bottom", fontsize=12, color="white")

    useful = ax.twinx()
    points = [(i, w.usefulness.value) for i, w in enumerate(weeks) if w.usefulness.value is not None]
    if points:
        useful.plot([i for i, _ in points], [v for _, v in points], color=USEFUL_COLOUR, marker="s",
                    markersize=9, linewidth=3, linestyle="--", label="Average usefulness (1-5)")
    useful.set_ylim(0, 5.25)
    useful.set_yticks([1, 2, 3, 4, 5])
    useful.tick_params(axis="y", labelsize=16, colors=USEFUL_COLOUR)
    useful.set_ylabel("Usefulness (1-5)", fontsize=18, color=USEFUL_COLOUR)

    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = useful.get_legend_handles_labels()
    fig.legend(handles + h2, labels + l2, loc="upper center", ncol=3, fontsize=15, frameon=False,
               bbox_to_anchor=(0.5, 0.93))
    fig.suptitle(chart_title(cohort=cohort), fontsize=22, fontweight="bold", y=0.99)
    ax.set_xlabel("Program week (the number in each bar: pairs asked that week)", fontsize=15)
    fig.subplots_adjust(left=0.07, right=0.91, top=0.8, bottom=0.13)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
