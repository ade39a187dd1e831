"""The documentation checker (tests/docs_check.py, `make docs-check`): what it runs, its markers,
that a broken example fails it, and that the documents it checks follow its convention."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.docs_check import DOCS, DocsError, check, extract, main, read_section, steps

FENCE = "```"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "doc.md"
    path.write_text(text.replace("'''", FENCE))
    return str(path)


def blocks_of(text: str):
    return extract("doc.md", list(enumerate(text.replace("'''", FENCE).splitlines(), 1)))


def test_commands_and_python_blocks_run_in_order_in_one_folder(tmp_path):
    bin_folder = Path(sys.executable).parent
    doc = write(tmp_path, """# Example

'''sh
echo one > made.txt   # a comment
# a comment line
printf '%s\\n' two \\
    three >> made.txt
'''

'''python
from pathlib import Path

assert Path("made.txt").read_text().split() == ["one", "two", "three"]
Path("seen.txt").write_text("python ran")
'''

'''text
exit 1 (shown, never run)
'''

'''sh
test "$(cat seen.txt)" = "python ran"
test "$(command -v neat)" = "BIN/neat" && test "$(command -v python)" = "BIN/python"
'''
""".replace("BIN", str(bin_folder)))
    assert check(doc) is None


def test_a_failing_command_fails_the_check_and_says_where(tmp_path):
    doc = write(tmp_path, """# Example

'''sh
true
ls no-such-file
echo never
'''
""")
    problem = check(doc)
    assert problem.startswith(f"{doc}:5: `ls no-such-file` exited with status 2")
    assert "No such file or directory" in problem


def test_a_failing_python_block_fails_the_check(tmp_path):
    doc = write(tmp_path, "'''python\nimport neat.app.champion\nraise SystemExit('broken example')\n'''\n")
    problem = check(doc)
    assert problem.startswith(f"{doc}:1: the python block exited with status 1")
    assert "broken example" in problem


def test_a_pipeline_fails_when_any_part_fails(tmp_path):
    assert "exited with status 1" in check(write(tmp_path, "'''sh\nfalse | cat\n'''\n"))


def test_a_command_that_never_ends_fails_after_the_timeout(tmp_path):
    doc = write(tmp_path, "'''sh\nsleep 600 & wait\n'''\n")
    assert "did not finish within 0.5 s" in check(doc, timeout=0.5)


def test_markers_skip_append_run_args_and_set_up(tmp_path):
    doc = write(tmp_path, """
<!-- docs-check: skip (waits for Ctrl-C) -->
'''sh
exit 1
'''
<!-- docs-check: setup echo ready > setup.txt -->

'''sh
test -f setup.txt
'''
""")
    assert check(doc) is None
    (block,) = blocks_of("""<!-- docs-check: run-args --generations 2 --pop 20 -->
'''sh
neat run xor --name x   # evolve
neat resume runs/x
neat replay runs/x
python -m neat run xor
'''""")
    assert [s.shell for s in steps(block)] == [
        "neat run xor --name x --generations 2 --pop 20", "neat resume runs/x --generations 2 --pop 20",
        "neat replay runs/x", "python -m neat run xor"]


@pytest.mark.parametrize(("text", "message"), [
    ("'''\nneat tasks\n'''", "doc.md:1: a code block without a language: tag it sh or python"),
    ("<!-- docs-check: skip -->\n'''sh\nx\n'''", "doc.md:1: say why the block is skipped"),
    ("<!-- docs-check: sikp (x) -->\n'''sh\nx\n'''", "doc.md:1: unknown docs-check marker"),
    ("<!-- docs-check: skip (x) -->\ntext\n'''sh\nx\n'''", "must come right before a code block"),
    ("'''sh\nx\n'''\n<!-- docs-check: skip (x) -->\n", "doc.md:4: a docs-check marker with no code"),
    ("'''sh\nx\n", "doc.md:1: the code block is never closed"),
    ("<!-- docs-check: run-args --pop 2 -->\n'''python\nx\n'''", "run-args apply to sh blocks"),
    ("<!-- docs-check: skip (x) -->\n<!-- docs-check: setup y -->\n'''sh\nx\n'''",
     "a skipped block takes no run-args or setup"),
])
def test_documents_that_break_the_convention_are_refused(text, message):
    with pytest.raises(DocsError, match=message.replace("(", r"\(")):
        for block in blocks_of(text):
            steps(block)


def test_run_args_are_refused_where_they_cannot_be_appended():
    (block,) = blocks_of("<!-- docs-check: run-args --pop 2 -->\n'''sh\nneat run xor | tee log\n'''")
    with pytest.raises(DocsError, match=r"doc\.md:3: run-args cannot be appended to a command with a"):
        steps(block)


def test_a_section_runs_from_its_heading_to_the_next_of_its_level(tmp_path):
    doc = write(tmp_path, """# Top
'''sh
exit 1
'''
## Chosen
'''sh
# Not a heading: a comment in a code block
echo chosen
'''
### Inside it
'''python
print("inside")
'''
## Next
'''sh
exit 1
'''
""")
    name, lines = read_section(f"{doc}#Chosen")
    assert [b.line for b in extract(name, lines)] == [7, 12]
    assert check(f"{doc}#Chosen") is None
    with pytest.raises(DocsError, match="no heading 'Missing'"):
        read_section(f"{doc}#Missing")


def test_the_checked_documents_follow_the_convention_and_run_something():
    for spec in DOCS:
        name, lines = read_section(spec)
        assert any(steps(block) for block in extract(name, lines)), spec


def test_breaking_a_real_example_fails_the_check(tmp_path, capsys):
    """docs/cli.md with its first command misspelt: the check fails at that line (and stops)."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    line = text.splitlines().index(next(t for t in text.splitlines() if t.startswith("neat tasks")))
    broken = tmp_path / "cli.md"
    broken.write_text(text.replace("neat tasks", "neat taks", 1))
    assert main([str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"docs-check: FAILED {broken}:{line + 1}: `neat taks")
    assert "invalid choice: 'taks'" in err


def test_list_shows_what_would_run_and_runs_nothing(tmp_path, capsys):
    doc = write(tmp_path, "<!-- docs-check: skip (blocks) -->\n'''sh\nneat view\n'''\n'''sh\n"
                          "touch ran\n'''\n")
    assert main(["--list", doc]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{doc}:2 sh (skip: blocks)", f"{doc}:5 sh (runs)", "    `touch ran`"]
    assert not (tmp_path / "ran").exists()
