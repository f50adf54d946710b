"""The corpus of malformed inputs (tests/data/bad): every scenario, sweep and targets file is
refused with one line that names the file, the key and the problem, with exit status 2, and
nothing is written."""

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


def kind(path: Path) -> str:
    return "sweep" if "sweeps" in path.parts else "targets" if "targets" in path.parts else "scenario"


def test_the_corpus_is_large_and_covers_every_file_kind():
    kinds = [kind(p) for p, _, _ in CASES]
    assert len(CASES) >= 250
    assert kinds.count("sweep") >= 60 and kinds.count("targets") >= 40 and kinds.count("scenario") >= 150


def command(path: Path, out: Path) -> list[str]:
    return {"sweep": ["sweep", str(path), "--out", str(out)],
            "targets": ["calibrate-check", "status-quo", str(path)],
            "scenario": ["validate", str(path)]}[kind(path)]


@pytest.mark.parametrize("path, key, words", CASES, ids=[str(p.relative_to(BAD)) for p, _, _ in CASES])
def test_bad_input_is_refused_with_one_clear_line(path, key, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code = main(command(path, out))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert len(err) < 1000, "an error line shows back at most a short part of what it was given"
    prefix = ("invalid: " if kind(path) == "scenario" else "error: ") + str(path) + ": "
    assert err.startswith(prefix), err
    if key != "-":
        assert err[len(prefix):].startswith(key + ": "), err
    assert words in err, err
    assert not list(tmp_path.iterdir()), "nothing is written"


def test_a_byte_order_mark_is_harmless(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfname = \"bom\"\n[police]\nnfa_share = 0.3\n")
    assert main(["validate", str(path)]) == 0
