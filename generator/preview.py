"""The live preview (`factsheet serve`, or `mkdocs serve`): what the MkDocs hook adds while it serves.

Only while serving, never in `factsheet build` or the bundles (which run MkDocs without the hook):
- a failed check does not stop the preview: the hook keeps the last good pages and writes the problems
  into the served site (`PROBLEMS`), and the preview's script shows them in a banner on every page; the
  next good rebuild empties the file and the banner goes;
- on a source page, the script turns a selection in the article into a ready citation to copy (the
  page names its source in a `<meta>` element, `source_meta`);
- MkDocs' warning about dirty builds, printed on every rebuild, is dropped (`DirtyBuildFilter`).

The script and its style sheet are `templates/preview/` (a fact sheet's own, else the default ones), copied
into the served site under `ASSETS`.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

from .context import page_origin
from .diagnostics import Diagnostic
from .report import as_records

ASSETS = "assets/preview"  # in the served site: the script, its style sheet and the problems
FILES = ("preview.js", "preview.css")  # in templates/preview/
PROBLEMS = "problems.json"

# The one MkDocs warning the preview drops. `factsheet serve` builds "dirty" on purpose: the generator
# rewrites only the pages whose Markdown changed and the navigation is fixed, so nothing goes stale.
DIRTY_BUILD_LOGGER = "mkdocs.commands.build"
DIRTY_BUILD_WARNING = "A 'dirty' build is being performed"


class DirtyBuildFilter(logging.Filter):
    """Drops MkDocs' "A 'dirty' build is being performed..." warning; lets every other record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DIRTY_BUILD_WARNING)


def quiet_dirty_builds() -> None:
    """Install DirtyBuildFilter on MkDocs' build logger (once)."""
    logger = logging.getLogger(DIRTY_BUILD_LOGGER)
    if not any(isinstance(f, DirtyBuildFilter) for f in logger.filters):
        logger.addFilter(DirtyBuildFilter())


def problems_json(diagnostics: list[Diagnostic], root: Path) -> bytes:
    """The problems as the preview's script reads them: `factsheet check --format json`'s records."""
    return json.dumps(as_records(diagnostics, root), ensure_ascii=False, indent=1).encode("utf-8")


def source_of_page(src_uri: str) -> str | None:
    """The id of the source a page shows the article of (`sources/<id>.md`), else None."""
    origin = page_origin(src_uri)
    if origin is None or not origin.startswith("seeds/") or not origin.endswith(".md"):
        return None
    return origin.removeprefix("seeds/").removesuffix(".md")


def source_meta(page_html: str, source_id: str) -> str:
    """The page with `<meta name="factsheet-source">` naming its source in the head, for the script."""
    meta = f'<meta name="factsheet-source" content="{html.escape(source_id)}">'
    at = page_html.find("</head>")
    return page_html if at < 0 else page_html[:at] + meta + page_html[at:]
