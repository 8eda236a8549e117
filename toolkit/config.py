"""Settings and where things live: one table, each setting with its default and help.

The README's configuration section is tested against ``SETTINGS`` so nothing exists
undocumented.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    env: str | None
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_url", "TOOLKIT_DB_URL", None,
            "Database URL. Default: SQLite at sessions/toolkit.db under the toolkit home. "
            "PostgreSQL: postgresql+psycopg://user@host/dbname."),
    Setting("home", "TOOLKIT_HOME", None,
            "Folder holding data/ (decks, poll banks, help) and sessions/ (plans, the default "
            "database). Default: the checkout the toolkit is installed from, else the current folder."),
    Setting("help_region", "TOOLKIT_HELP_REGION", "uk",
            "The help region a session starts with unless the start form or the plan chooses another: "
            "data/help/<region>.yaml (uk, scotland, wales, northern-ireland, ie)."),
    Setting("join_url", "TOOLKIT_JOIN_URL", None,
            "The address students join at, shown with the QR code on the facilitator dashboard. "
            "Set by toolkit serve; set it yourself behind a reverse proxy."),
    Setting("remote_staff", "TOOLKIT_REMOTE_STAFF", False,
            "Let staff reach the dashboards, JupyterLab and Jupyter's API from other machines. Off: they answer "
            "only this computer, and phones on the network reach only the student page and API. On needs a "
            "password (jupyter server password) or JupyterHub's login; see docs/deploy.md."),
    Setting("min_group_size", "TOOLKIT_MIN_GROUP_SIZE", 5,
            "Trend views hide any breakdown resting on fewer respondents than this."),
    Setting("refresh_seconds", "TOOLKIT_REFRESH_SECONDS", 1.0,
            "How often the dashboards re-read the store for live charts."),
    Setting("watch_interval", "TOOLKIT_WATCH_INTERVAL", 0.3,
            "How often the server checks sessions with connected students for changes (seconds)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str):
    """The value of a setting: its environment variable if set, else its default."""
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env) if setting.env else None
    if raw is None or raw.strip() == "":
        return setting.default
    raw = raw.strip()
    if isinstance(setting.default, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    try:
        if isinstance(setting.default, int):
            value = int(raw)
        elif isinstance(setting.default, float):
            value = float(raw)
        else:
            return raw
    except ValueError:
        what = "a whole number" if isinstance(setting.default, int) else "a number"
        raise ConfigError(f"{setting.env} must be {what}, not {raw!r} ({setting.help})") from None
    if value < 0 or (isinstance(value, float) and not math.isfinite(value)):
        raise ConfigError(f"{setting.env} cannot be {raw!r} ({setting.help})")
    return value


def home() -> Path:
    """The toolkit home: TOOLKIT_HOME, else the source checkout, else the current folder."""
    configured = get("home")
    if configured:
        return Path(configured).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "data" / "decks").is_dir():
        return checkout
    return Path.cwd()


def default_db_url() -> str:
    return f"sqlite:///{home() / 'sessions' / 'toolkit.db'}"


def db_url(explicit: str | None = None) -> str:
    """The database URL: an explicit one, else TOOLKIT_DB_URL, else the SQLite default."""
    return explicit or get("db_url") or default_db_url()


def content_dirs() -> dict[str, list[Path]]:
    """Where decks, poll banks, plans and help files are looked up by id."""
    root = home()
    return {
        "deck": [root / "data" / "decks"],
        "polls": [root / "data" / "polls"],
        "plan": [root / "sessions" / "plans"],
        "help": [root / "data" / "help"],
    }
