"""Shared look of every chart: readable from the back of a classroom, calm colours."""

import plotly.graph_objects as go

FONT = "DejaVu Sans, Arial, sans-serif"
INK = "#1F2933"
NEUTRAL = "#5B6B7F"
MUTED = "#C9D1DB"
ACCENT = "#1565C0"
SUPPRESSED = "#E6E9EE"
HIDDEN_TEXT = "#7B8794"

# What the dashboards' pages share with the charts: CSS custom properties --tk-<name>.
PALETTE = {"font": FONT, "ink": INK, "neutral": NEUTRAL, "accent": ACCENT, "suppressed": SUPPRESSED,
           "hidden": HIDDEN_TEXT}

LAYOUT = dict(
    template="plotly_white",
    font=dict(family=FONT, size=18, color=INK),
    margin=dict(l=20, r=20, t=60, b=40),
    showlegend=False,
    hoverlabel=dict(font_size=16),
)


def base_figure(title: str | None = None, height: int = 420) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(**LAYOUT, height=height, title=dict(text=title or "", x=0.01, font=dict(size=22)))
    return fig


def wrap(text: str, width: int = 28) -> str:
    """Break a long label onto lines plotly shows (it does not wrap by itself)."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)
