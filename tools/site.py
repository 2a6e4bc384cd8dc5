"""The documentation as a static site: `./run docs` builds README.md and docs/*.md with MkDocs and the Material
theme into build/site/, in strict mode, so a broken link or anchor fails the build.

The Markdown stays where a reader of the repository finds it (the README at the top, the references in docs/); the
site is built from a staging copy in which the README is the home page and the links between the two are rewritten
to the site's layout. Nothing here is committed output: build/ is ignored.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

SITE_NAV = [
    ("Guide", "index.md"),
    ("Architecture", "architecture.md"),
    ("Config reference", "config-reference.md"),
    ("Plan and preflight", "plan.md"),
    ("Run time", "runtime.md"),
    ("Diff", "diff.md"),
    ("Cost", "cost.md"),
    ("Policy pack", "policy-pack.md"),
    ("Outputs", "outputs.md"),
    ("Examples", "examples.md"),
    ("Design decisions", "design-decisions.md"),
]
"""The site's navigation: the guide, then the references in the order the README's "Where to look next" gives."""


def _rewrite(text: str, *, from_readme: bool) -> str:
    """Links as the site lays the pages out: the README is index.md beside the references."""
    if from_readme:
        return re.sub(r"\]\(docs/([\w.-]+\.md)", r"](\1", text)
    return re.sub(r"\]\(\.\./README\.md", "](index.md", text)


def stage(project_dir: Path, staging: Path) -> Path:
    """Copy the pages into `staging` (README.md as index.md) with the links rewritten; write mkdocs.yml beside."""
    if staging.exists():
        shutil.rmtree(staging)
    pages = staging / "pages"
    pages.mkdir(parents=True)
    (pages / "index.md").write_text(_rewrite((project_dir / "README.md").read_text(), from_readme=True))
    for page in sorted((project_dir / "docs").glob("*.md")):
        (pages / page.name).write_text(_rewrite(page.read_text(), from_readme=False))
    shutil.copy(project_dir / "docs" / "stack-file.schema.json", pages / "stack-file.schema.json")
    listed = {page for _, page in SITE_NAV}
    present = {p.name for p in pages.glob("*.md")}
    if listed != present:
        raise ValueError(f"tools/site.py SITE_NAV lists {sorted(listed - present)} missing, "
                         f"and leaves out {sorted(present - listed)}: list every page of docs/ once")
    config = {
        "site_name": "Platform",
        "docs_dir": "pages",
        "site_dir": str((staging / "site").resolve()),
        "strict": True,
        "theme": {"name": "material", "features": ["navigation.sections", "content.code.copy", "search.highlight"]},
        "nav": [{title: page} for title, page in SITE_NAV],
        "markdown_extensions": [
            "tables", "admonition", "attr_list", "toc",
            {"pymdownx.superfences": {"custom_fences": [
                {"name": "mermaid", "class": "mermaid", "format": "!!python/name:pymdownx.superfences.fence_code_format"}]}},
        ],
        # Every relative link must reach a page, and every #anchor a heading of it.
        "validation": {"links": {"not_found": "warn", "anchors": "warn", "unrecognized_links": "warn"}},
    }
    text = yaml.safe_dump(config, sort_keys=False)
    # The fence formatter is a Python name MkDocs resolves; safe_dump quotes it as a string.
    text = text.replace("'!!python/name:pymdownx.superfences.fence_code_format'",
                        "!!python/name:pymdownx.superfences.fence_code_format")
    (staging / "mkdocs.yml").write_text(text)
    return staging / "mkdocs.yml"


def build(project_dir: Path, staging: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the staged pages; the site lands in `staging`/site."""
    config = stage(project_dir, staging)
    # NO_MKDOCS_2_WARNING: Material prints a banner about MkDocs 2 on every build (Material 9.x is maintained until
    # 2027-05-05, then Zensical reads the same mkdocs.yml).
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
                          capture_output=True, text=True, check=False, env=env)
