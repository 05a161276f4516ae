"""The default templates, theme and assets that ship with factsheet, and a fact sheet's own overrides of them.

An installed factsheet carries them inside the package, as generator/defaults/templates (the wheel maps this
repository's top-level templates/ there: [tool.setuptools.package-dir] in pyproject.toml); a development
checkout, where the package is this repository's generator/ folder, uses the repository's templates/.

A fact sheet overrides any of them by putting a file of the same name in its own templates/ folder: a page
template (`home.md.j2`), a theme file (`theme/main.html`, `theme/partials/...`), an asset (`assets/...`) or a
file of the offline bundle (`bundle/single.css`). Everything it does not override comes from the defaults.
An override may start from the default it replaces: `{% extends "default/home.md.j2" %}`.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from generator.project import Project

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

THEME = "theme"  # under templates/: the MkDocs theme overrides (custom_dir)
DEFAULT_PREFIX = "default"  # `{% extends "default/<name>" %}`: the default template, even where it is overridden


def template_names(folder: str, *, hidden: bool = True, followlinks: bool = False) -> list[str]:
    """Every file below `folder`, named as Jinja2's FileSystemLoader.list_templates names them; without
    `hidden`, none in a folder whose name starts with a dot."""
    found = []
    for top, subfolders, names in os.walk(folder, followlinks=followlinks):
        if not hidden:
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            found.append(os.path.join(top, name)[len(folder) :].strip(os.path.sep).replace(os.path.sep, "/"))
    return found


def _package_dir() -> Path:
    return Path(str(resources.files("generator")))


def default_templates() -> Path:
    """The folder of the default templates: the installed package's, else the development checkout's."""
    installed = _package_dir() / "defaults" / "templates"
    if installed.is_dir():
        return installed
    return _package_dir().parent / "templates"


def starter() -> Path:
    """The tree of files `factsheet init` copies into a new fact sheet (generator/defaults/starter)."""
    return _package_dir() / "defaults" / "starter"


def template_dirs(project: Project) -> tuple[Path, ...]:
    """Where templates are looked up, in order: the fact sheet's own templates/, then the defaults (once, when
    the fact sheet is the development checkout whose templates/ are the defaults)."""
    own, default = project.templates_dir, default_templates()
    if own.resolve() == default.resolve():
        return (default,)
    return (own, default)


def template_file(project: Project, name: str) -> Path:
    """The file `name` (a path under templates/, e.g. 'bundle/single.css'): the fact sheet's own if it has
    one, else the default (which may not exist, for a name that is in neither)."""
    dirs = template_dirs(project)
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    return dirs[-1] / name


def theme_dirs(project: Project) -> list[Path]:
    """The theme override folders, the fact sheet's own first, that exist."""
    return [d / THEME for d in template_dirs(project) if (d / THEME).is_dir()]


def add_theme_dirs(config: MkDocsConfig, project: Project) -> None:
    """Put the theme overrides into MkDocs' search path for theme files: after mkdocs.yml's own `custom_dir`
    (if it names one), before the theme's folders. Each folder appears once."""
    wanted = [str(d.resolve()) for d in theme_dirs(project)]
    theme = config.theme
    dirs = [d for d in theme.dirs if str(Path(d).resolve()) not in wanted]
    custom = theme.custom_dir
    at = 1 if custom and dirs and Path(dirs[0]).resolve() == Path(custom).resolve() else 0
    theme.dirs = [*dirs[:at], *wanted, *dirs[at:]]
