"""The corpus of malformed inputs (tests/data/bad): every file is refused with one line that names
the file, the key and the problem, with exit status 2, and nothing is written."""

from pathlib import Path

import pytest

from sim.cli import main

BAD = Path(__file__).parent / "data" / "bad"


def expectations() -> list[tuple[Path, str, str]]:
    listed = {}
    for line in (BAD / "EXPECT.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            rel, key, words = (part.strip() for part in line.split("|"))
            listed[BAD / rel] = (key, words)
    out = []
    for path in sorted(BAD.rglob("*.toml")):
        if "support" in path.parts:
            continue
        if path in listed:
            key, words = listed[path]
        else:
            header = path.read_text(encoding="utf-8").splitlines()[0]
            assert header.startswith("# expect:"), f"{path} has no expectation"
            key, words = (part.strip() for part in header.removeprefix("# expect:").split("|"))
        out.append((path, key, words))
    return out


CASES = expectations()


def test_the_corpus_is_large_and_covers_sweeps():
    assert len(CASES) >= 50
    assert sum(1 for p, _, _ in CASES if "sweeps" in p.parts) >= 10


@pytest.mark.parametrize("path, key, words", CASES, ids=[str(p.relative_to(BAD)) for p, _, _ in CASES])
def test_bad_input_is_refused_with_one_clear_line(path, key, words, tmp_path, capsys):
    is_sweep = "sweeps" in path.parts
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out)] if is_sweep else ["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    prefix = ("error: " if is_sweep else "invalid: ") + str(path) + ": "
    assert err.startswith(prefix), err
    if key != "-":
        assert err[len(prefix):].startswith(key + ": "), err
    assert words in err, err
    assert not out.exists()


def test_a_byte_order_mark_is_harmless(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfname = \"bom\"\n[police]\nnfa_share = 0.3\n")
    assert main(["validate", str(path)]) == 0
