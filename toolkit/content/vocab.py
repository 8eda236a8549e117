"""Controlled vocabularies shared by every deck: exploitation models, warning signs, age bands.

Facilitators write their own decks, but trends compare cards across decks by model and
sign, so these lists are fixed here rather than per deck.
"""

# The five models of child sexual exploitation described in the seed material; criminal
# exploitation (county lines), which overlaps with them; pressure or control inside a
# relationship, which is harmful but is not exploitation; and "none" for healthy cards.
MODELS: dict[str, str] = {
    "none": "None (healthy)",
    "boyfriend_girlfriend": "Boyfriend/girlfriend or best-friend grooming",
    "online": "Online grooming",
    "opportunistic": "Inappropriate relationships (opportunistic)",
    "peer": "Peer exploitation",
    "organised": "Organised exploitation",
    "criminal": "Criminal exploitation (county lines)",
    "harmful_relationship": "Pressure or control in a relationship",
}

# The models of child sexual exploitation itself, from the seed material.
CSE_MODELS: tuple[str, ...] = ("boyfriend_girlfriend", "online", "opportunistic", "peer", "organised")

SIGNS: dict[str, str] = {
    "something_in_return": "Something given in return",
    "age_power_gap": "Age or power gap",
    "secrecy": "Secrecy",
    "isolation": "Isolation from friends or family",
    "alcohol_drugs": "Alcohol or drugs",
    "online_unknown": "Online contact with someone unknown",
    "hidden_identity": "Hidden or fake identity",
    "pressure_threats": "Pressure or threats",
    "images": "Images asked for or shared",
    "missing_late": "Going missing or late nights",
    "adult_venues": "Adult venues or parties",
    "controlling": "Controlling or jealous behaviour",
    "gifts_flattery": "Gifts, compliments or flattery",
    "bring_friends": "Asked to bring friends",
    "debt": "A debt used to control them",
    "carrying": "Made to carry or deliver things",
    "no_consent": "No free, clear yes",
}

AGE_BANDS: tuple[str, ...] = ("11-13", "14-16", "17-18")

# Used when a deck names no categories of its own.
DEFAULT_CATEGORIES: list[dict] = [
    {"id": "healthy", "label": "Healthy", "colour": "#2E7D32"},
    {"id": "warning", "label": "Warning signs", "colour": "#E6A100"},
    {"id": "exploitative", "label": "Exploitative", "colour": "#C62828"},
]

NOT_SURE = {"id": "not_sure", "label": "Not sure", "colour": "#8A8F98"}

PHASES: tuple[str, ...] = ("baseline", "endpoint")

# The labels a session may carry, with their names on screen. They describe the group,
# never a student.
GROUP_LABELS: dict[str, str] = {
    "organisation": "Organisation",
    "group": "Group",
    "age_band": "Age band",
    "setting": "Setting",
    "facilitator": "Facilitator",
}

# What trends compare and filter sessions by: their group labels and the content they ran.
SESSION_LABELS: tuple[str, ...] = (*GROUP_LABELS, "plan_id", "deck_id")

# Activities whose items are cards (a card round shows one, a sort the whole deck).
CARD_KINDS: tuple[str, ...] = ("card", "sort")
