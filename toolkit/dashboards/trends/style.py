"""The trends page's look: desk-sized type, filters in one bar, numbers before charts.

One stylesheet shipped as a widget, scoped to ``.tk-trends`` so it never touches the
facilitator console when both are open in one browser.
"""

import ipywidgets as W

from ...charts.style import FONT, NEUTRAL, SUPPRESSED

INK = "#1F2933"
PAGE = "#EEF1F5"
LINE = "#D5DBE3"
ACCENT = "#1565C0"

CSS = f"""
body.jp-Notebook, #rendered_cells, #rendered_cells > div {{ background: {PAGE} !important; }}
#rendered_cells {{ padding: 0 !important; }}
#rendered_cells .jp-Cell, #rendered_cells .jp-OutputArea-child, #rendered_cells .jp-OutputArea-output {{
  padding: 0 !important; margin: 0 !important; border: 0 !important; }}
#rendered_cells .jp-OutputPrompt {{ display: none !important; }}

.tk-trends {{ font-family: {FONT}; color: {INK}; font-size: 15px; line-height: 1.4; width: 100%;
  box-sizing: border-box; padding: 0 0 32px; }}
.tk-trends * {{ box-sizing: border-box; }}
.tk-trends .widget-html, .tk-trends .widget-html-content {{ height: auto; line-height: 1.4; font-size: inherit;
  font-family: {FONT}; color: {INK}; margin: 0; white-space: normal; }}
.tk-trends .widget-box {{ overflow: visible; }}

.tk-trends .tk-top {{ background: #fff; border-bottom: 1px solid {LINE}; padding: 10px 24px 12px; gap: 8px; }}
.tk-trends .tk-title {{ font-size: 22px; font-weight: bold; }}
.tk-trends .tk-sub {{ color: {NEUTRAL}; font-size: 14px; }}
.tk-trends .tk-badge {{ display: inline-block; background: #FFF4E5; border: 1px solid #E6A100; color: #7A4D00;
  border-radius: 999px; padding: 0 10px; font-size: 13px; font-weight: bold; margin-left: 10px;
  vertical-align: 3px; }}
.tk-trends .tk-filters {{ display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 6px 14px;
  align-items: end; }}
.tk-trends .tk-filter {{ flex-direction: column; align-items: stretch; gap: 2px; min-width: 0; }}
.tk-trends .tk-filter .widget-label-basic, .tk-trends .tk-filter label {{ font-size: 13px; color: {NEUTRAL}; }}
.tk-trends .tk-filter .widget-dropdown, .tk-trends .tk-filter .widget-datepicker {{ width: 100%; margin: 0; }}
.tk-trends select, .tk-trends input[type=date] {{ font-size: 14px; height: 32px; font-family: {FONT};
  width: 100%; }}
.tk-trends .jupyter-button, .tk-trends .tk-download {{ font-family: {FONT}; font-size: 14px; height: 32px;
  padding: 0 14px; border-radius: 6px; border: 1px solid {LINE}; background: #fff; color: {INK}; margin: 0;
  box-shadow: none; cursor: pointer; width: auto; }}
.tk-trends .jupyter-button:hover:enabled, .tk-trends .tk-download:hover {{ border-color: {ACCENT}; }}
.tk-trends a.tk-download {{ display: inline-flex; align-items: center; text-decoration: none; }}
.tk-trends .jupyter-button:focus-visible {{ outline: 3px solid #90CAF9; outline-offset: 2px; }}
.tk-trends .tk-actions {{ gap: 8px; align-items: end; }}
.tk-trends .tk-status {{ color: {NEUTRAL}; font-size: 13px; align-self: center; }}

.tk-trends .tk-body {{ padding: 14px 24px 0; gap: 14px; }}
.tk-trends .tk-tiles {{ display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 14px; }}
.tk-trends .tk-tile {{ background: #fff; border: 1px solid {LINE}; border-radius: 10px; padding: 10px 16px; }}
.tk-trends .tk-tile .tk-number {{ font-size: 30px; font-weight: bold; line-height: 1.15; }}
.tk-trends .tk-tile .tk-label {{ color: {NEUTRAL}; font-size: 14px; }}
.tk-trends .tk-tile.tk-hidden .tk-number {{ color: #7B8794; font-size: 20px; line-height: 1.8; }}
.tk-trends .tk-note {{ color: {NEUTRAL}; font-size: 13px; }}
.tk-trends .tk-empty {{ background: #fff; border: 1px dashed {LINE}; border-radius: 10px; padding: 14px 18px; }}

.tk-trends .tk-panel {{ background: #fff; border: 1px solid {LINE}; border-radius: 10px; padding: 12px 16px;
  gap: 4px; min-width: 0; }}
.tk-trends .tk-row {{ gap: 14px; align-items: stretch; }}
.tk-trends .tk-row > .tk-panel {{ flex: 1 1 0; }}
.tk-trends .tk-panel h3 {{ font-size: 17px; margin: 0; }}
.tk-trends .tk-panel p {{ margin: 2px 0 0; color: {NEUTRAL}; font-size: 14px; }}
.tk-trends .tk-panel .js-plotly-plot, .tk-trends .tk-panel .plot-container {{ width: 100%; }}
.tk-trends .tk-compare {{ gap: 8px; align-items: center; }}
.tk-trends .tk-compare .widget-dropdown {{ width: 240px; }}
.tk-trends details {{ margin-top: 4px; }}
.tk-trends details > summary {{ cursor: pointer; color: {ACCENT}; font-size: 14px; }}
.tk-trends .tk-tablebox {{ max-height: 320px; overflow: auto; border: 1px solid {LINE}; border-radius: 6px;
  margin-top: 6px; }}
.tk-trends .tk-table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
.tk-trends .tk-table th, .tk-trends .tk-table td {{ text-align: left; padding: 4px 8px;
  border-bottom: 1px solid {LINE}; white-space: nowrap; }}
.tk-trends .tk-table th {{ color: {NEUTRAL}; font-weight: normal; position: sticky; top: 0; background: #fff; }}
.tk-trends .tk-table td.tk-num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.tk-trends .tk-table tr.tk-hidden-row td {{ background: {SUPPRESSED}; color: #7B8794; }}
.tk-trends .tk-tablebar {{ gap: 10px; align-items: center; margin-top: 6px; }}
"""


def stylesheet() -> W.HTML:
    """The page's stylesheet as a widget (a <style> element applies wherever it lands)."""
    return W.HTML(f"<style>{CSS}</style>")
