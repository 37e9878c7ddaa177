"""The interface's names of stored values: statuses, outcomes, resource kinds, visibilities, roles.

A stored value (`good_practice`) is never shown as it is stored: `value_label` gives its name
in the request's interface language. The English names are marked here with `N_`, so the
catalogues carry them; forms that offer the values as options show the same names.
"""

from __future__ import annotations

from migrantnet.translations import N_, gettext

VALUE_LABELS: dict[str, str] = {
    # Struggles
    "ongoing": N_("Ongoing"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "suspended": N_("Suspended"),
    # Events
    "confirmed": N_("Confirmed"),
    "tentative": N_("Tentative"),
    "cancelled": N_("Cancelled"),
    # Practices
    "good_practice": N_("Good practice"),
    "victory": N_("Victory"),
    "defeat": N_("Defeat"),
    # Resources
    "guide": N_("Guide"),
    "leaflet": N_("Leaflet"),
    "video": N_("Video"),
    "audio": N_("Audio"),
    "training": N_("Training"),
    "legal_aid": N_("Legal aid"),
    "poster": N_("Poster"),
    "report": N_("Report"),
    "experience": N_("Experience"),
    "other": N_("Other"),
    # Visibility of an object
    "public": N_("Public"),
    "unlisted": N_("Unlisted"),
    "followers": N_("Followers only"),
    "direct": N_("Only those mentioned"),
    # Roles in an association
    "admin": N_("admin"),
    "editor": N_("editor"),
    "moderator": N_("moderator"),
}


def value_label(value: str) -> str:
    """`good_practice` -> "Good practice" in the interface language; unknown values readable."""
    known = VALUE_LABELS.get(value)
    if known is not None:
        return gettext(known)
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]
