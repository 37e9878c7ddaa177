"""Every URI of the node is minted and recognised here, for routes and serialisers alike.

It sits at the top of the package, below `content`, because publishing needs ids as much as
federation does; it knows nothing but the node's base URL. `paths` holds the route templates
(`*_PATH`) and what recognises them, `minting` the `Uris` that fills them in, `origins` the one
spelling of an origin behind `Uris.is_local`. The package re-exports `Uris` and what mints or
compares ids; the templates and their recognisers are imported from `migrantnet.uris.paths`
itself, so that list is written once. `tests/unit/test_uris_only_here.py` fails when a
node path is written anywhere else in `src/`.
"""

from migrantnet.uris.minting import Uris, new_public_id
from migrantnet.uris.origins import same_origin

__all__ = ["Uris", "new_public_id", "same_origin"]
