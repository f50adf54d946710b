"""The documents stay honest: every divertsim command in the README runs, every TOML example
validates, and every Python example in docs/ runs."""

import re
import shlex
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.inputs.loading import load_scenario

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)


def blocks(path: Path, lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(path.read_text()) if kind == lang]


def readme_commands() -> list[str]:
    out = []
    for body in blocks(ROOT / "README.md", "sh"):
        for line in body.splitlines():
            line = line.split("  #")[0].strip()
            for part in (p.strip() for p in line.split("&&")):
                if part.startswith("divertsim "):
                    out.append(part)
    return out


def workspace(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path


def test_readme_lists_commands_and_both_setup_lines():
    text = (ROOT / "README.md").read_text()
    first, second = blocks(ROOT / "README.md", "sh")[:2]
    assert "pip install" in first and "divertsim" in first
    assert "pytest" in second and "'.[test]'" in second
    ci = (ROOT / ".ci" / "run").read_text()
    assert second.strip() in ci, "CI must run the README's test command"
    assert len(readme_commands()) >= 8 and "not a tool for assessing" in text


@pytest.mark.slow
@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, tmp_path, monkeypatch):
    monkeypatch.chdir(workspace(tmp_path))
    assert main(shlex.split(command)[1:]) == 0, command


def test_readme_toml_examples_validate(tmp_path):
    ws = workspace(tmp_path)
    examples = blocks(ROOT / "README.md", "toml")
    assert examples
    for i, body in enumerate(examples):
        path = ws / "scenarios" / f"readme-example-{i}.toml"
        path.write_text(body)
        load_scenario(str(path))


@pytest.mark.parametrize("doc", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_python_examples_in_docs_run(doc, tmp_path, monkeypatch):
    monkeypatch.chdir(workspace(tmp_path))
    for body in blocks(doc, "python"):
        exec(compile(body, str(doc), "exec"), {"__name__": "__doc_example__"})
