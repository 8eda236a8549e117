"""The facilitator's console: start a session, run it activity by activity, reveal the
class's answers, and end with a summary and exports (``notebooks/facilitator.ipynb``)."""

from .dashboard import FacilitatorDashboard, show

__all__ = ["FacilitatorDashboard", "show"]
