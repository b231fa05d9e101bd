"""Every relative link and file reference in the documentation and in the stated sources of
models and reference data points at a file that exists in the repository.

Checked: Markdown links "[text](path)", code spans naming a file ("docs/api.md",
"storage/tables.py", "sea_regions.csv") and paths in the text (docs/api.md, a bare "x.md",
"x.csv" or "x.py") in README.md and docs/**/*.md, fenced code excepted; the "source" of every
published model (hazatlas.models.base.PublishedModel) and every cell of the reference tables
(src/hazatlas/data/reference/*.csv) and of the models' expected-value tables
(tests/models/reference/*.csv); and the pages (".md", "docs/...") named in the package's code
and in the scripts that write those tables (tests/models/reference/*.py). A path resolves
relative to the page, to the repository root or to src/hazatlas/; a path written as the end of
a longer one ("cli/register.py", a bare "tables.py") must be the end of a file's path in the
repository. Web addresses, files of other repositories
("github.com/OWNER/REPO : path"), placeholders ("REPORT.json", "<name>.py") and anchors are not
checked. A path outside the repository ("../shared/...") is never accepted:
cite the primary source, or copy what is needed under docs/.
"""

from __future__ import annotations

import csv
import functools
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "hazatlas"
REFERENCE = PACKAGE / "data" / "reference"
TEST_REFERENCE = ROOT / "tests" / "models" / "reference"  # expected values of the models' tests
_SKIP_DIRS = {".git", ".venv", "var", "node_modules", "__pycache__", ".pytest_cache",
              ".ruff_cache", ".mypy_cache", ".hypothesis"}
_EXTENSIONS = ("md", "py", "csv", "json", "toml", "txt", "geojson", "gpkg", "xlsx", "po",
               "html", "ini", "mako", "cfg", "yaml", "yml", "xml")
_FILE = re.compile(r"^[\w.\-/*]+\.(?:" + "|".join(_EXTENSIONS) + r")$")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
# In source texts: repository paths, and file names standing alone (not the end of a path or
# of a web address, which are other repositories' files or pages).
_SOURCE_PATH = re.compile(r"(?<![\w./:@-])((?:docs|src|tests|benchmarks)/[\w./-]*\w|\.\./[\w./-]*\w"
                          r"|[\w-]+\.(?:md|csv|py))(?![\w/-])")
# Web addresses and files of other repositories: ``github.com/OWNER/REPO : path``,
# ``GitHub OWNER/REPO path``, a Julia package's ``GasDispersion.jl docs/src/plume.md``.
_ELSEWHERE = re.compile(r"\S*://\S*|\bwww\.\S+|github\.com/\S+(?:\s*:\s*\S+)?"
                        r"|\bGitHub\s+[\w.-]+/[\w.-]+\s+\S+|\b[\w-]+\.jl\s+\S+")
# The same in pages, where the names are code spans: "GasDispersion.jl `docs/src/plume.md`",
# "`alangecker/bundesgesetze`, `a/awsv/index.md`".
_ELSEWHERE_SPANS = re.compile(r"\b[\w-]+\.jl\s+`[^`]+`|`[\w.-]+/[\w.-]+`,\s*`[^`]+`")
# Files a page shows the reader writing (examples, not files of the repository).
EXAMPLE_FILES = {"inventory.csv"}


@functools.cache
def _repository_files() -> tuple[str, ...]:
    files = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if _SKIP_DIRS.intersection(rel.parts) or any(p.endswith(".egg-info") for p in rel.parts):
            continue
        if path.is_file():
            files.append(rel.as_posix())
    return tuple(files)


def _exists(ref: str, page: Path | None) -> bool:
    """Whether ``ref`` (a path, possibly with a glob ``*``) names a file of the repository."""
    ref = ref.split("#", 1)[0].rstrip("/")
    if not ref:
        return True
    if ref.startswith("../") and page is None:
        return False
    bases = ([page.parent] if page is not None else []) + [ROOT, PACKAGE]
    for base in bases:
        target = (base / ref).resolve()
        if not target.is_relative_to(ROOT):
            continue
        if "*" in ref:
            if any(target.parent.glob(target.name)):
                return True
        elif target.exists():
            return True
    if ref.startswith("../"):
        return False
    pattern = re.compile(r"(?:^|.*/)" + re.escape(ref).replace(r"\*", r"[^/]*") + "$")
    return any(pattern.match(f) for f in _repository_files())


def _placeholder(ref: str) -> bool:
    stem = Path(ref).name.split(".")[0]
    return "<" in ref or (stem.isupper() and len(stem) > 1) or ref.startswith("/")


def _page_references(page: Path) -> list[str]:
    text = _ELSEWHERE_SPANS.sub(" ", _FENCE.sub("", page.read_text(encoding="utf-8")))
    refs = [t for t in _LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:|^#", t)]
    refs += [s.strip() for s in _SPAN.findall(text) if _FILE.match(s.strip())]
    prose = _SPAN.sub(" ", _LINK.sub(" ", text))  # and paths named in the text itself
    refs += _source_references(prose)
    return [r for r in refs if not _placeholder(r) and r not in EXAMPLE_FILES]


def _source_references(text: str) -> list[str]:
    return _SOURCE_PATH.findall(_ELSEWHERE.sub(" ", text))


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _published_models() -> list[type]:
    import hazatlas.models
    from hazatlas.models.base import PublishedModel

    for info in pkgutil.walk_packages(hazatlas.models.__path__, "hazatlas.models."):
        importlib.import_module(info.name)
    found, todo = [], list(PublishedModel.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted({c for c in found if isinstance(c.__dict__.get("source"), str)},
                  key=lambda c: c.__qualname__)


def _broken(where: str, refs: list[str], page: Path | None) -> list[str]:
    return [f"{where}: {r}" for r in refs if not _exists(r, page)]


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_page_links_and_file_references_resolve(page: Path) -> None:
    where = page.relative_to(ROOT).as_posix()
    broken = _broken(where, _page_references(page), page)
    assert not broken, "no such file in the repository:\n" + "\n".join(broken)


def test_model_sources_name_existing_files() -> None:
    broken = []
    for cls in _published_models():
        where = f"{cls.__module__}.{cls.__qualname__}.source"
        broken += _broken(where, _source_references(cls.source), None)
    assert not broken, "no such file in the repository:\n" + "\n".join(broken)


def test_reference_table_sources_name_existing_files() -> None:
    broken = []
    for table in sorted([*REFERENCE.glob("*.csv"), *TEST_REFERENCE.glob("*.csv")]):
        with table.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.reader(fh), start=1):
                where = f"{table.relative_to(ROOT).as_posix()}:{n}"
                broken += _broken(where, [r for cell in row for r in _source_references(cell)],
                                  table)
    assert not broken, "no such file in the repository:\n" + "\n".join(broken)


def test_pages_named_in_the_code_exist() -> None:
    """Docstrings and comments of the package and of the scripts that write the models' reference
    tables cite pages of docs/ (or primary sources)."""
    broken = []
    for module in sorted([*PACKAGE.rglob("*.py"), *TEST_REFERENCE.glob("*.py")]):
        where = module.relative_to(ROOT).as_posix()
        refs = [r for r in _source_references(module.read_text(encoding="utf-8"))
                if r.endswith(".md") or r.startswith(("docs/", "../"))]
        broken += _broken(where, refs, module)
    assert not broken, "no such page in the repository:\n" + "\n".join(broken)


def test_the_checker_finds_what_it_should() -> None:
    assert _exists("docs/architecture.md", None) and _exists("storage/tables.py", None)
    assert _exists("tables.py", None) and _exists("tests/models/reference/*.csv", None)
    assert not _exists("docs/nowhere.md", None) and not _exists("../shared/models.md", None)
    assert not _exists("models.md", None)
    assert any(TEST_REFERENCE.glob("*.csv")) and any(TEST_REFERENCE.glob("*.py"))
    assert _source_references(
        "see docs/indices.md; github.com/a/b : x/y.py ; https://h.org/p.md ; sea_regions.csv"
    ) == ["docs/indices.md", "sea_regions.csv"]
    assert _source_references("Eq. (1) of models.md; ../shared/notes/x.md") == [
        "models.md", "../shared/notes/x.md"]
