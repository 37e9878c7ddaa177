"""gzip for what compresses: pages, JSON, CSS, JavaScript; never media.

A page of 20 items is ~25 KB of HTML and ~5 KB gzipped: on a cheap phone on a slow network
that is most of its load time. Starlette's middleware does the work; here is what it is told:
- below `MINIMUM_SIZE` bytes gzip costs more than it saves (WebFinger, small JSON);
- level 6: nearly the size of level 9 at a fraction of its CPU, per response;
- uploads (JPEG, PNG, WebP, GIF, PDF) are compressed already: they stream as they are, with
  their `Content-Length` and ranges; only a streamed text would be compressed chunk by chunk.
"""

from __future__ import annotations

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES

MINIMUM_SIZE = 1024
LEVEL = 6
EXCLUDED_TYPES = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf", "application/octet-stream")
