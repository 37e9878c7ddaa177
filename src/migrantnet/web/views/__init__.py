"""View models: small, ready, localised values for templates, which hold no logic.

`parts` holds what every page shares (actors, links, badges, moments), `items` one object in
a list, `object_page` one object in full. Language negotiation is `web/i18n.py`; dates,
zones and sizes are written by `content/formatting.py`.
"""
