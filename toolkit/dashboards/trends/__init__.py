"""The programme lead's trends page: filters, headline numbers, charts and their tables
(``notebooks/trends.ipynb``)."""

from .dashboard import TrendsDashboard, show

__all__ = ["TrendsDashboard", "show"]
