"""Citations a reader can follow (issue 11 item 6): code, data and tests cite the public original
(author, title, date, where published, section), never a file the repository does not ship: the
``../shared/`` folder, DESIGN.md, or the seed-file names of the source texts (``000_<16 hex>.txt``)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ["models", "priors", "simulate", "tests"]
# (pattern, what it is)
FORBIDDEN = [
    (re.compile(r"shared/"), "a path into ../shared/"),
    (re.compile(r"DESIGN\.md"), "DESIGN.md, which the repository does not ship"),
    (re.compile(r"\b\d{3}_[0-9a-f]{16}(\.txt)?\b"), "a seed file name"),
]
SUFFIXES = {".py", ".toml", ".md", ".txt", ".json"}


def _files():
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and path != Path(__file__).resolve():
                yield path


@pytest.mark.parametrize("pattern, what", FORBIDDEN, ids=[w for _, w in FORBIDDEN])
def test_no_citation_of_files_the_repository_does_not_ship(pattern, what):
    hits = []
    for path in _files():
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not hits, f"{what}:\n" + "\n".join(hits)


def test_the_pattern_catches_what_it_should():
    seed = FORBIDDEN[2][0]
    assert seed.search('source = "000_fa6efbad8168eecb.txt section 04"')
    assert not seed.search("value = 1_000_000")
    assert FORBIDDEN[0][0].search("../shared/seeds/x.txt") and not FORBIDDEN[0][0].search("shared_config.py")
