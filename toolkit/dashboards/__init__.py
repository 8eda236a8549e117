"""Staff dashboards rendered by Voilà: the facilitator's console and the trends view.

Each notebook in ``notebooks/`` is one cell that imports a dashboard from here and
shows it; the logic lives in these modules, where it is tested.
"""
