"""The console's look: large type for a projector, calm colours, a clear private area.

One stylesheet, shipped as a widget (a ``<style>`` element applies wherever it lands in
the page). Colours follow ``toolkit.charts.style``.
"""

import ipywidgets as W

from ...charts.style import FONT, NEUTRAL

INK = "#1F2933"
PAGE = "#EEF1F5"
LINE = "#D5DBE3"
ACCENT = "#1565C0"
OPEN = "#2E7D32"
DANGER = "#B3261E"
PRIVATE_BG = "#FFF6E5"
PRIVATE_LINE = "#E3C48A"
PRIVATE_INK = "#7A4D00"

CSS = f"""
/* Voila's page chrome: no cell padding, one calm background. */
body.jp-Notebook, #rendered_cells, #rendered_cells > div {{ background: {PAGE} !important; }}
#rendered_cells {{ padding: 0 !important; }}
#rendered_cells .jp-Cell, #rendered_cells .jp-OutputArea-child, #rendered_cells .jp-OutputArea-output {{
  padding: 0 !important; margin: 0 !important; border: 0 !important; }}
#rendered_cells .jp-OutputPrompt {{ display: none !important; }}

.tk-root {{ font-family: {FONT}; color: {INK}; font-size: 18px; line-height: 1.35; width: 100%;
  box-sizing: border-box; }}
.tk-root * {{ box-sizing: border-box; }}
.tk-root .widget-html, .tk-root .widget-html-content {{ height: auto; line-height: 1.35; font-size: inherit;
  font-family: {FONT}; color: {INK}; margin: 0; white-space: normal; }}
.tk-root .widget-box {{ overflow: visible; }}
.tk-root .widget-label {{ font-size: 17px; color: {NEUTRAL}; }}
.tk-root .jupyter-button, .tk-root .tk-download {{ font-family: {FONT}; font-size: 18px; height: 44px;
  padding: 0 18px; border-radius: 8px; border: 2px solid {LINE}; background: #fff; color: {INK};
  margin: 0; box-shadow: none; cursor: pointer; width: auto; }}
.tk-root .jupyter-button:hover:enabled, .tk-root .tk-download:hover:enabled {{ border-color: {ACCENT}; }}
.tk-root .jupyter-button:disabled, .tk-root .tk-download:disabled {{ opacity: .4; cursor: default; }}
.tk-root .jupyter-button.mod-primary {{ background: {ACCENT}; border-color: {ACCENT}; color: #fff; }}
.tk-root .jupyter-button.mod-success {{ background: {OPEN}; border-color: {OPEN}; color: #fff; }}
.tk-root .jupyter-button.mod-danger {{ background: #fff; border-color: {DANGER}; color: {DANGER}; }}
.tk-root .jupyter-button.mod-danger.tk-confirm {{ background: {DANGER}; color: #fff; }}
.tk-root .jupyter-button.mod-active {{ background: {INK}; border-color: {INK}; color: #fff; }}
.tk-root .jupyter-button:focus-visible {{ outline: 3px solid #90CAF9; outline-offset: 2px; }}
.tk-root input[type=text], .tk-root select {{ font-size: 18px; height: 40px; font-family: {FONT}; }}
.tk-root .widget-text, .tk-root .widget-dropdown {{ width: 100%; }}
.tk-root .widget-text .widget-label, .tk-root .widget-dropdown .widget-label {{ width: 150px; }}

/* One bar on top: the buttons used every minute, the join code, presentation mode. */
.tk-header {{ background: #fff; border-bottom: 1px solid {LINE}; padding: 8px 20px; align-items: center;
  gap: 10px; min-height: 62px; position: sticky; top: 0; z-index: 10; }}
.tk-title {{ font-size: 22px; font-weight: bold; }}
.tk-joinline {{ margin-left: auto; font-size: 17px; color: {NEUTRAL}; text-align: right; line-height: 1.2; }}
.tk-joinline b {{ color: {INK}; font-size: 22px; letter-spacing: .05em; }}
.tk-root .widget-toggle-button {{ width: auto; flex: 0 0 auto; }}
.tk-message {{ padding: 0 20px; }}
.tk-message .tk-error {{ margin: 10px 0 0; padding: 10px 14px; border-radius: 8px; background: #FDECEA;
  color: {DANGER}; }}
.tk-root > .tk-card {{ margin: 10px 20px 0; }}

/* Three columns: activities, the stage, the private panel. */
.tk-body {{ padding: 12px 20px 24px; gap: 16px; align-items: flex-start; }}
.tk-sidebar {{ flex: 0 0 220px; gap: 6px; position: sticky; top: 74px; max-height: calc(100vh - 86px); }}
.tk-sidebar .tk-steps {{ flex: 1 1 auto; overflow-y: auto !important; gap: 2px; min-height: 80px; }}
.tk-sidebar .mod-danger {{ flex: 0 0 auto; margin-top: 6px; }}
.tk-session-title {{ font-size: 17px; font-weight: bold; line-height: 1.25; }}
.tk-stage {{ flex: 1 1 auto; min-width: 0; gap: 12px; }}
.tk-private {{ flex: 0 0 330px; gap: 12px; }}
.tk-card {{ background: #fff; border: 1px solid {LINE}; border-radius: 12px; padding: 14px 18px; }}
.tk-card h2 {{ font-size: 22px; margin: 0 0 8px; }}
.tk-card h3 {{ font-size: 19px; margin: 12px 0 4px; }}
.tk-card p {{ margin: 6px 0; }}
.tk-card ul, .tk-card ol {{ margin: 6px 0; padding-left: 22px; }}
.tk-row {{ gap: 10px; align-items: center; flex-wrap: wrap; }}
.tk-column {{ gap: 12px; }}
.tk-muted {{ color: {NEUTRAL}; }}
.tk-small {{ font-size: 16px; }}
.tk-center {{ text-align: center; }}
kbd {{ font-family: {FONT}; font-size: 15px; border: 1px solid {LINE}; border-bottom-width: 2px;
  border-radius: 5px; padding: 0 6px; background: #fff; }}

.tk-private .tk-card {{ background: {PRIVATE_BG}; border-color: {PRIVATE_LINE}; }}
.tk-private-tag {{ display: inline-block; font-size: 13px; font-weight: bold; letter-spacing: .08em;
  color: {PRIVATE_INK}; text-transform: uppercase; margin-bottom: 4px; }}
.tk-pair {{ flex-wrap: wrap; gap: 8px 24px; }}
.tk-pair > .widget-box {{ flex: 1 1 420px; min-width: 0; }}
.tk-chart-box > .lm-Widget {{ flex: 1 1 100%; min-width: 0; height: 100%; }}
.tk-chart-box .tk-chart {{ width: 100%; height: 100%; }}
.tk-sort-preview {{ border: 2px dashed {PRIVATE_LINE}; background: {PRIVATE_BG}; }}

/* Activity list */
.tk-progress {{ font-size: 15px; color: {NEUTRAL}; margin: 0 0 4px; }}
.tk-progress .tk-bar {{ height: 8px; background: {LINE}; border-radius: 4px; margin-top: 6px; overflow: hidden; }}
.tk-progress .tk-bar span {{ display: block; height: 100%; background: {ACCENT}; }}
.tk-root .jupyter-button.tk-step {{ flex: 0 0 auto; width: 100%; height: auto; min-height: 40px; text-align: left;
  font-size: 16px;
  padding: 6px 10px; border: 1px solid transparent; background: transparent; white-space: normal;
  line-height: 1.25; }}
.tk-root .jupyter-button.tk-step:hover:enabled {{ background: #fff; border-color: {LINE}; }}
.tk-root .jupyter-button.tk-step.tk-done {{ color: {NEUTRAL}; }}
.tk-root .jupyter-button.tk-step.tk-current {{ background: {ACCENT}; color: #fff; font-weight: bold; }}

/* The stage */
.tk-kicker {{ font-size: 16px; font-weight: bold; letter-spacing: .08em; text-transform: uppercase;
  color: {NEUTRAL}; }}
.tk-headline {{ font-size: 32px; font-weight: bold; margin: 2px 0 6px; line-height: 1.2; }}
.tk-text {{ font-size: 28px; line-height: 1.3; margin: 2px 0 8px; }}
.tk-lead {{ font-size: 24px; margin: 2px 0; }}
.tk-slide {{ font-size: 27px; line-height: 1.3; margin: 4px 0; padding-left: 28px; }}
.tk-slide li {{ margin: 6px 0; }}
.tk-chips {{ display: flex; flex-wrap: wrap; gap: 6px 8px; margin: 6px 0 8px; }}
.tk-chip {{ border-radius: 999px; padding: 2px 12px; font-size: 17px; border: 2px solid {LINE}; background: #fff; }}
.tk-how {{ align-self: center; font-size: 17px; }}
.tk-status {{ font-size: 21px; }}
.tk-status .tk-dot {{ display: inline-block; width: 14px; height: 14px; border-radius: 50%; margin-right: 8px;
  background: {NEUTRAL}; vertical-align: middle; }}
.tk-status.tk-open .tk-dot {{ background: {OPEN}; }}
.tk-status b {{ font-size: 26px; }}
.tk-reveal {{ font-size: 20px; margin: 4px 0 8px; }}
.tk-reveal p {{ margin: 2px 0; }}
.tk-reveal .tk-expected {{ font-size: 26px; font-weight: bold; }}
.tk-swatch {{ display: inline-block; width: 18px; height: 18px; border-radius: 4px; vertical-align: -2px;
  margin-right: 6px; }}
.tk-table {{ border-collapse: collapse; width: 100%; font-size: 17px; }}
.tk-table th, .tk-table td {{ text-align: left; padding: 6px 8px; border-bottom: 1px solid {LINE}; }}
.tk-table th {{ color: {NEUTRAL}; font-weight: normal; }}
.tk-flag {{ background: #FDECEA; color: {DANGER}; border-radius: 6px; padding: 1px 8px; font-size: 15px;
  font-weight: bold; white-space: nowrap; }}

/* Lobby */
.tk-lobby {{ align-items: center; gap: 28px; padding: 24px 32px; }}
.tk-url {{ font-size: 30px; word-break: break-all; margin-top: 6px; }}
.tk-code {{ font-size: 112px; font-weight: bold; letter-spacing: .04em; line-height: 1; margin: 8px 0 18px;
  font-family: "DejaVu Sans Mono", monospace; white-space: nowrap; }}
.tk-joined {{ font-size: 30px; }}
.tk-joined b {{ font-size: 48px; }}
.tk-warning {{ background: #FFF4E5; border-left: 4px solid #E6A100; padding: 8px 12px; font-size: 16px;
  margin: 0 0 12px; }}
.tk-qr svg {{ display: block; }}

/* Questions box */
.tk-question {{ border-top: 1px solid {PRIVATE_LINE}; padding: 8px 0; gap: 6px; }}
.tk-question .jupyter-button {{ height: 36px; font-size: 16px; padding: 0 10px; }}
.tk-safeguarding {{ background: #FDECEA; border-left: 4px solid {DANGER}; padding: 8px 10px; font-size: 16px; }}
.tk-approved {{ font-size: 24px; }}

/* Start */
.tk-start {{ padding: 20px; gap: 20px; align-items: flex-start; }}
.tk-start > .widget-box {{ flex: 1 1 0; gap: 8px; }}
.tk-start > .widget-box:first-child {{ flex: 3 1 0; }}
.tk-start h2 {{ margin: 0 0 4px; }}
.tk-start h3 {{ margin: 8px 0 0; }}
.tk-labels {{ grid-template-columns: 1fr 1fr; gap: 8px 16px; }}
.tk-labels .widget-label {{ width: 120px !important; }}
.tk-start .mod-primary {{ align-self: flex-start; margin-top: 6px; padding: 0 28px; }}
.tk-problems {{ color: {DANGER}; font-size: 16px; }}
.tk-problems li {{ margin: 4px 0; }}
.tk-root .widget-upload {{ width: auto; flex: 0 0 auto; }}
"""


def stylesheet() -> W.HTML:
    """The console's stylesheet as a widget to put anywhere in the page."""
    return W.HTML(f"<style>{CSS}</style>", layout=W.Layout(display="none"))
