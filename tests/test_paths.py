"""Every path divertsim writes is inside the folder the user chose: scenario names are names,
compared scenarios' folders stay inside ``--out``, and ``report --out FOLDER`` writes into FOLDER."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from small import small_args

from sim.cli import main
from sim.experiments.compare import unique_names
from sim.inputs.names import MAX_NAME, check_name, inside

SMALL = small_args()


@pytest.mark.parametrize("name", ["../x", "/abs", "a/b", "a\\b", ".", "..", "", "  ", ".hidden", " x", "x ",
                                  "a\x00b", "a\nb", "\x1b[31m", "x" * (MAX_NAME + 1)])
def test_names_that_are_not_names_are_refused(name):
    with pytest.raises(ValueError):
        check_name(name)


def test_ordinary_names_pass():
    for name in ("status-quo", "justice-2019", "a b", "Überprüfung", "x" * MAX_NAME, "v1.2"):
        assert check_name(name) == name


def test_inside_refuses_a_symlink_out_of_the_folder(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "out" / "link")
    assert inside(tmp_path / "out", "plain") == tmp_path / "out" / "plain"
    with pytest.raises(ValueError, match="outside"):
        inside(tmp_path / "out", "link")


def test_a_compared_name_made_too_long_by_its_suffix_is_refused(tmp_path, capsys):
    scenario = tmp_path / "long.toml"
    scenario.write_text(f'extends = "status-quo.toml"\nname = "{"n" * MAX_NAME}"\n')
    (tmp_path / "status-quo.toml").write_text((Path(__file__).parent.parent / "scenarios" / "status-quo.toml").read_text())
    assert unique_names(["a", "a"]) == ["a", "a-2"]
    out = tmp_path / "cmp"
    assert main(["compare", str(scenario), str(scenario), *SMALL, "--reps", "1", "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"at most {MAX_NAME} characters" in err, err
    assert not out.exists()


@pytest.mark.slow
def test_report_into_an_existing_folder_writes_inside_it(tmp_path):
    run = tmp_path / "run"
    assert main(["run", "status-quo", *SMALL, "--reps", "1", "--workers", "1", "--out", str(run)]) == 0
    target = tmp_path / "reports" / "here"
    target.mkdir(parents=True)
    assert main(["report", str(run), "--out", str(target)]) == 0
    assert (target / "report.html").is_file() and (target / "figures" / "backlog.png").is_file()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["here"], "written outside the folder chosen"
    assert not (run / "report.html").exists()
