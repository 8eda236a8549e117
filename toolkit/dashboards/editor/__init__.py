"""The content editor: browse, duplicate and edit decks, poll banks and plans with fields,
checked as you type by ``toolkit check``'s rules, previewed as a phone shows them
(``notebooks/content.ipynb``)."""

from .dashboard import EditorDashboard, show

__all__ = ["EditorDashboard", "show"]
