"""What both dashboards are built from: the chart widget and plotly.js loader, live charts,
page-side helpers (keys, downloads, the address bar, chart fitting) and layout."""
