"""The documentation site (tools/site.py): it builds in strict mode, and strict mode catches a broken link."""

from __future__ import annotations

import shutil
from pathlib import Path

from tools import site
from tools.harness import PROJECT_DIR


def _copy_of_the_docs(tmp_path: Path) -> Path:
    """README.md and docs/ in a scratch project, to break without touching the real ones."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR / "docs", project / "docs")
    shutil.copy(PROJECT_DIR / "README.md", project / "README.md")
    return project


def test_the_site_builds_with_every_page(tmp_path: Path) -> None:
    built = site.build(PROJECT_DIR, tmp_path / "site")
    assert built.returncode == 0, built.stdout + built.stderr
    out = tmp_path / "site" / "site"
    assert (out / "index.html").is_file()
    for _, page in site.SITE_NAV[1:]:
        assert (out / page.removesuffix(".md") / "index.html").is_file(), page
    # The README's links into docs/ became the site's own pages.
    assert 'href="plan/#what-the-offline-plan-proves-and-what-only-a-deploy-shows"' in (out / "index.html").read_text()


def test_a_broken_anchor_fails_the_build(tmp_path: Path) -> None:
    project = _copy_of_the_docs(tmp_path)
    cost = project / "docs" / "cost.md"
    cost.write_text(cost.read_text() + "\nSee [the plan](plan.md#no-such-heading).\n")
    built = site.build(project, tmp_path / "site")
    assert built.returncode != 0 and "no-such-heading" in built.stdout + built.stderr


def test_every_page_of_docs_is_in_the_navigation(tmp_path: Path) -> None:
    project = _copy_of_the_docs(tmp_path)
    (project / "docs" / "new-page.md").write_text("# New\n")
    try:
        site.stage(project, tmp_path / "site")
    except ValueError as exc:
        assert "new-page.md" in str(exc)
    else:
        raise AssertionError("a page missing from SITE_NAV was staged")
