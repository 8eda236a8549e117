"""Plotly figures from analysis DataFrames. Pure: DataFrame in, Figure out.

Figures are sized and lettered for a projector; the dashboards wrap them in
``FigureWidget`` and update their data in place.
"""

from .session import change_chart, distribution_chart, matrix_chart

__all__ = ["change_chart", "distribution_chart", "matrix_chart"]
