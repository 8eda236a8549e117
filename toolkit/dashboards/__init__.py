"""Staff dashboards rendered by Voilà, a room per app: ``console`` (the facilitator's),
``trends`` (the programme lead's), and ``widgets``, what both are built from.

Each notebook in ``notebooks/`` is one cell that imports a dashboard from here and
shows it; the logic lives in these modules, where it is tested. Dashboards draw what
``toolkit.analysis`` computes and ``toolkit.charts`` plots, and read only the store.
"""
