"""Settings and where things live: one table, each setting with its environment variable,
its Jupyter config name (for those the server reads), its default and help.

A setting comes from the Jupyter config (``c.ToolkitApp.<name>``, ``--ToolkitApp.<name>``)
where it has a name there, else its environment variable, else its default. The README's
configuration section and ``ToolkitApp``'s traits are tested against ``SETTINGS``, so
nothing exists undocumented.
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
    jupyter: str | None = None  # its name in Jupyter's config ("ToolkitApp.db_url"), if the server reads it
    kind: type | None = None  # its type, where the default does not say (None: text)

    @property
    def type(self) -> type:
        return self.kind or (type(self.default) if self.default is not None else str)


SETTINGS: tuple[Setting, ...] = (
    Setting("db_url", "TOOLKIT_DB_URL", None,
            "Database URL. Default: SQLite at sessions/toolkit.db under the toolkit home. "
            "PostgreSQL: postgresql+psycopg://user@host/dbname.", jupyter="ToolkitApp.db_url"),
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
            "Let staff reach the dashboards and Jupyter's API from other machines. Off: they answer "
            "only this computer, and phones on the network reach only the student page and API. On needs a "
            "password (jupyter server password) or JupyterHub's login; see docs/deploy.md.",
            jupyter="ToolkitApp.remote_staff"),
    Setting("min_group_size", "TOOLKIT_MIN_GROUP_SIZE", 5,
            "Trend views hide any breakdown resting on fewer respondents than this."),
    Setting("refresh_seconds", "TOOLKIT_REFRESH_SECONDS", 1.0,
            "How often the dashboards re-read the store for live charts."),
    Setting("watch_interval", "TOOLKIT_WATCH_INTERVAL", 0.3,
            "How often the server checks sessions with connected students for changes (seconds).",
            jupyter="ToolkitApp.watch_interval"),
    Setting("answers_per_second", "TOOLKIT_ANSWERS_PER_SECOND", 20.0,
            "Answers a device may send per second before it is told to wait (429).",
            jupyter="ToolkitApp.answers_per_second"),
    Setting("wrong_codes_per_minute", "TOOLKIT_WRONG_CODES_PER_MINUTE", 30.0,
            "Wrong join codes one network address may try per minute; once they are spent, each new code it "
            "tries waits its turn (a code that exists still gets in; an address with five new codes already "
            "waiting is told to wait, 429).",
            jupyter="ToolkitApp.wrong_codes_per_minute"),
    Setting("questions_per_minute", "TOOLKIT_QUESTIONS_PER_MINUTE", 5.0,
            "Questions a device may send to the questions box per minute.",
            jupyter="ToolkitApp.questions_per_minute"),
    Setting("streams_per_address", "TOOLKIT_STREAMS_PER_ADDRESS", 50,
            "Live event streams one network address may hold open (0: no limit); past it a student page "
            "polls every few seconds instead.", jupyter="ToolkitApp.streams_per_address"),
    Setting("max_streams", "TOOLKIT_MAX_STREAMS", 0,
            "Live event streams the server holds open in all. 0: most of what the open-file limit allows, "
            "up to 10,000.", jupyter="ToolkitApp.max_streams"),
    Setting("header_timeout", "TOOLKIT_HEADER_TIMEOUT", 5.0,
            "Seconds a connection may take to send a request's headers, or sit idle between requests, before "
            "'toolkit serve' closes it.", jupyter="ToolkitApp.header_timeout"),
    Setting("student_workers", "TOOLKIT_STUDENT_WORKERS", 0,
            "Processes that serve students' phones for 'toolkit serve', on the one port, the server process "
            "among them: 0, one per core (at most 8); 1, the server process alone. Workers start when the "
            "first phone connects; not with TLS.",
            jupyter="ToolkitApp.student_workers"),
    Setting("devices_per_address", "TOOLKIT_DEVICES_PER_ADDRESS", 4,
            "New devices one network address may add to one session (a school day); the answers and "
            "questions one address may send scale with it. On the laptop each phone has an address of its "
            "own; where a whole class arrives from one address (NAT), set it to the largest class.",
            jupyter="ToolkitApp.devices_per_address"),
    Setting("trusted_proxies", "TOOLKIT_TRUSTED_PROXIES", "127.0.0.1, ::1",
            "Addresses or networks (comma-separated, e.g. 10.0.0.5, 10.1.0.0/24) of reverse proxies whose "
            "X-Forwarded-For or X-Real-IP header names the phone's address for the per-address limits; "
            "headers from anyone else are ignored. 'none' trusts no proxy.",
            jupyter="ToolkitApp.trusted_proxies"),
    Setting("own_content", "TOOLKIT_OWN_CONTENT", None,
            "Folder for the facilitator's own decks, poll banks and plans (decks/, polls/, plans/), written "
            "by the content editor and read beside the shipped ones. Default: my-content under the toolkit home."),
)

_BY_NAME = {s.name: s for s in SETTINGS}

# Where students join, from the server's base URL: the page, its QR code, the printed line.
JOIN_PATH = "toolkit/join"


def setting(name: str) -> Setting:
    """The row of ``SETTINGS`` called ``name``."""
    return _BY_NAME[name]


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


# The own-content folder's sub-folder for each kind of file.
OWN_FOLDERS = {"deck": "decks", "polls": "polls", "plan": "plans"}


def own_content() -> Path:
    """The facilitator's own content folder: TOOLKIT_OWN_CONTENT, else my-content under the home.

    Kept apart from the shipped files, so an update of the toolkit never touches it."""
    configured = get("own_content")
    return Path(configured).expanduser().resolve() if configured else home() / "my-content"


def content_dirs() -> dict[str, list[Path]]:
    """Where decks, poll banks, plans and help files are looked up by id: shipped first, then own."""
    root, own = home(), own_content()
    return {
        "deck": [root / "data" / "decks", own / OWN_FOLDERS["deck"]],
        "polls": [root / "data" / "polls", own / OWN_FOLDERS["polls"]],
        "plan": [root / "sessions" / "plans", own / OWN_FOLDERS["plan"]],
        "help": [root / "data" / "help"],
    }
