"""MkDocs hook (mkdocs.yml `hooks:`): lets plain `mkdocs build` and `mkdocs serve` run the generator.

`factsheet build` does not use it: it generates first and then runs MkDocs without hooks.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

from generator.diagnostics import DiagnosticError
from generator.pipeline import generate
from generator.project import Project
from generator.resources import add_theme_dirs, template_dirs


def _project(config) -> Project:
    root = Path(config.config_file_path).resolve().parent
    return Project.at(root, docs_dir=Path(config.docs_dir).resolve(), site_dir=Path(config.site_dir).resolve())


def on_config(config, **kwargs):
    add_theme_dirs(config, _project(config))  # the fact sheet's templates/theme, then the default theme overrides
    return config


def on_pre_build(config, **kwargs) -> None:
    project = _project(config)
    try:
        generate(project, strict=bool(config.strict))
    except DiagnosticError as exc:
        raise PluginError("\n".join(d.format(project.root) for d in exc.diagnostics)) from None


def on_serve(server, config, builder, **kwargs):
    project = _project(config)
    for folder in (project.facts_dir, project.seeds_dir, *template_dirs(project)):
        if folder.is_dir():  # a fact sheet may have no templates/ of its own
            server.watch(str(folder))
    return server
