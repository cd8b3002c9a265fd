"""Tests for `migrate.discovery`: real files, directories, links and FIFOs in `tmp_path`, no mocks."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from migrate.discovery import Discovery, SourceFile, discover, language_of
from migrate.errors import MigrateError
from tests.conftest import without_root_privileges
from tests.gitrepo import git


def _touch(root: Path, *names: str, text: str = "") -> None:
    """Create files (and their parent directories) below `root`."""
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _displays(result: Discovery) -> list[str]:
    """The display paths of the discovered files, in discovery order."""
    return [file.display for file in result.files]


def _run(root: Path, *, exclude: Sequence[str] = (), respect_gitignore: bool = True) -> list[str]:
    """Discover below `root` with display paths relative to it; there must be no errors."""
    result = discover([root], exclude=exclude, respect_gitignore=respect_gitignore, cwd=root)
    assert result.errors == []
    return _displays(result)


def _within(seconds: float, action: Callable[[], Discovery], on_timeout: Callable[[], None]) -> Discovery:
    """Run `action` in a daemon thread; fail the test (after `on_timeout`) if it does not finish."""
    outcome: list[Discovery] = []
    thread = threading.Thread(target=lambda: outcome.append(action()), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        on_timeout()
        pytest.fail(f"discover() did not finish within {seconds} seconds")
    assert outcome, "discover() raised"
    return outcome[0]


# ------------------------------------------------------------------------------------------ languages


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("app.py", "python"),
        ("stubs.pyi", "python"),
        ("gui.pyw", "python"),
        ("demo.ipynb", "notebook"),
        ("run.sh", "shell"),
        ("run.bash", "shell"),
        ("rc.zsh", "shell"),
        ("rc.ksh", "shell"),
        ("rules.mk", "shell"),
        ("Makefile", "shell"),
        ("GNUmakefile", "shell"),
        ("Dockerfile", "shell"),
        ("Dockerfile.gpu", "shell"),
        ("Containerfile", "shell"),
        ("Justfile", "shell"),
        ("README.md", "markdown"),
        ("page.mdx", "markdown"),
        ("notes.markdown", "markdown"),
        ("run.yaml", "yaml"),
        ("ci.yml", "yaml"),
        ("data.json", None),
        ("notes.txt", None),
        ("setup.cfg", "dependencies"),
        ("pyproject.toml", "dependencies"),
        ("requirements.txt", "dependencies"),
        ("requirements-dev.in", "dependencies"),
        ("requirements.md", "markdown"),
        ("other.toml", None),
        ("LICENSE", None),
    ],
)
def test_language_of_by_name(tmp_path: Path, name: str, language: str | None) -> None:
    (tmp_path / name).write_text("text without a shebang\n")
    assert language_of(tmp_path / name) == language


@pytest.mark.parametrize(
    ("first_line", "language"),
    [
        ("#!/usr/bin/env python3", "python"),
        ("#!/usr/bin/python3.11 -u", "python"),
        ("#!/opt/app/.venv/bin/python", "python"),
        ("#!/bin/sh", "shell"),
        ("#!/bin/bash -eu", "shell"),
        ("#! /usr/bin/env -S bash -e", "shell"),
        ("#!/usr/bin/env LC_ALL=C zsh", "shell"),
        ("#!/bin/dash", "shell"),
        ("#!/bin/ksh\r", "shell"),
        ("#!/usr/bin/env perl", None),
        ("#!/usr/bin/env node", None),
        ("# not a shebang: python", None),
        ("print('python')", None),
    ],
)
def test_language_of_extensionless_file_uses_shebang(tmp_path: Path, first_line: str, language: str | None) -> None:
    (tmp_path / "tool").write_text(first_line + "\necho\n")
    assert language_of(tmp_path / "tool") == language


def test_shebang_is_not_read_for_files_with_an_extension(tmp_path: Path) -> None:
    _touch(tmp_path, "script.txt", "script.cfg", text="#!/usr/bin/env python3\n")
    _touch(tmp_path, "tool", text="#!/usr/bin/env python3\n")
    assert language_of(tmp_path / "script.txt") is None
    assert _run(tmp_path) == ["tool"]


def test_shebang_beyond_the_probe_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "late").write_text("#!" + " " * 200 + "/usr/bin/python\n")
    (tmp_path / "early").write_text("#!/usr/bin/python" + " " * 200 + "\n")
    assert _run(tmp_path) == ["early"]


def test_walk_assigns_languages(tmp_path: Path) -> None:
    _touch(tmp_path, "a.py", "b.ipynb", "c.sh", "d.md", "e.yml", "f.json", "Makefile", "img.png")
    _touch(tmp_path, "bin/deploy", text="#!/bin/bash\n")
    _touch(tmp_path, "bin/manage", text="#!/usr/bin/env python3\n")
    _touch(tmp_path, "bin/README", text="plain text\n")
    result = discover([tmp_path], cwd=tmp_path)
    assert [(file.display, file.language) for file in result.files] == [
        ("Makefile", "shell"),
        ("a.py", "python"),
        ("b.ipynb", "notebook"),
        ("bin/deploy", "shell"),
        ("bin/manage", "python"),
        ("c.sh", "shell"),
        ("d.md", "markdown"),
        ("e.yml", "yaml"),
    ]
    assert all(file.path == tmp_path / file.display for file in result.files)


# ---------------------------------------------------------------------------------- default excludes


@pytest.mark.parametrize(
    "directory",
    [
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        "site-packages",
        ".ipynb_checkpoints",
        "mypkg.egg-info",
    ],
)
def test_default_excluded_directories(tmp_path: Path, directory: str) -> None:
    _touch(tmp_path, "keep.py", f"{directory}/skip.py", f"sub/{directory}/deep/skip.py")
    assert _run(tmp_path) == ["keep.py"]


def test_default_excludes_match_directory_names_only(tmp_path: Path) -> None:
    _touch(tmp_path, "build.py", "dist.sh", "builder/x.py", "my_venv/y.py", ".github/workflows/ci.yml")
    assert _run(tmp_path) == [".github/workflows/ci.yml", "build.py", "builder/x.py", "dist.sh", "my_venv/y.py"]


def test_directory_with_pyvenv_cfg_is_a_virtualenv(tmp_path: Path) -> None:
    _touch(tmp_path, "env311/pyvenv.cfg", "env311/lib/python3.11/mod.py", "env311/bin/activate.sh")
    _touch(tmp_path, "envlike/lib/mod.py", "envlike/readme.md")
    assert _run(tmp_path) == ["envlike/lib/mod.py", "envlike/readme.md"]


def test_explicit_directory_is_walked_even_if_excluded_by_default(tmp_path: Path) -> None:
    _touch(tmp_path, "build/gen.py", "build/__pycache__/gen.py", "build/out/x.py")
    result = discover([tmp_path / "build"], cwd=tmp_path)
    assert (_displays(result), result.errors) == (["build/gen.py", "build/out/x.py"], [])


# ----------------------------------------------------------------------------------------- gitignore


def test_gitignore_of_walked_directory(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("# generated\n*.md\ngenerated/\n/top.py\n\n")
    _touch(tmp_path, "keep.py", "top.py", "README.md", "generated/x.py", "sub/top.py", "sub/generated.py")
    assert _run(tmp_path) == ["keep.py", "sub/generated.py", "sub/top.py"]


def test_nested_gitignore_with_negation(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.md\nlogs/*\n!logs/keep.py\n")
    _touch(tmp_path, "a.md", "logs/drop.py", "logs/keep.py")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / ".gitignore").write_text("!*.md\ndraft.md\n/local.py\n")
    _touch(tmp_path, "docs/guide.md", "docs/draft.md", "docs/local.py", "docs/deeper/local.py")
    _touch(tmp_path, "other/b.md", "other/local.py")
    assert _run(tmp_path) == [
        "docs/deeper/local.py",
        "docs/guide.md",
        "logs/keep.py",
        "other/local.py",
    ]


def test_file_in_ignored_directory_cannot_be_reincluded(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("cache/\n!cache/keep.py\n")
    _touch(tmp_path, "cache/keep.py", "main.py")
    assert _run(tmp_path) == ["main.py"]


def test_gitignore_not_honoured_when_disabled(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "info").mkdir()
    (tmp_path / ".git" / "info" / "exclude").write_text("b.py\n")
    (tmp_path / ".gitignore").write_text("a.py\n")
    _touch(tmp_path, "a.py", "b.py")
    assert _run(tmp_path, respect_gitignore=False) == ["a.py", "b.py"]
    assert _run(tmp_path) == []


def test_parent_gitignore_up_to_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")  # above the repository: must not apply
    repo = tmp_path / "repo"
    (repo / ".git" / "info").mkdir(parents=True)
    (repo / ".git" / "info" / "exclude").write_text("*.sh\n")
    (repo / ".gitignore").write_text("*.md\n/pkg/sub/anchored.py\nsecret/\n")
    (repo / "pkg").mkdir()
    (repo / "pkg" / ".gitignore").write_text("*.yml\n!keep.md\n")
    _touch(repo, "pkg/sub/a.py", "pkg/sub/anchored.py", "pkg/sub/b.md", "pkg/sub/keep.md")
    _touch(repo, "pkg/sub/c.yml", "pkg/sub/d.sh", "pkg/sub/secret/e.py", "pkg/sub/inner/anchored.py")
    result = discover([repo / "pkg" / "sub"], cwd=repo)
    assert result.errors == []
    assert _displays(result) == ["pkg/sub/a.py", "pkg/sub/inner/anchored.py", "pkg/sub/keep.md"]


def test_parent_gitignore_outside_a_repository_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")
    _touch(tmp_path, "proj/a.py")
    assert _run(tmp_path / "proj") == ["a.py"]


def test_gitignore_of_a_git_worktree_file_marks_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")
    _touch(tmp_path, "repo/.git", text="gitdir: /elsewhere/.git/worktrees/repo\n")
    (tmp_path / "repo" / ".gitignore").write_text("*.md\n")
    _touch(tmp_path, "repo/src/a.py", "repo/src/b.md")
    assert _run(tmp_path / "repo" / "src") == ["a.py"]


def test_nested_repository_is_not_governed_by_outer_ignore_files(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("*.md\n")
    (tmp_path / "vendor" / "lib" / ".git").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / ".gitignore").write_text("*.sh\n")
    _touch(tmp_path, "top.md", "vendor/note.md", "vendor/lib/guide.md", "vendor/lib/x.sh", "vendor/lib/x.py")
    assert _run(tmp_path) == ["vendor/lib/guide.md", "vendor/lib/x.py"]


def test_explicit_directory_ignored_by_parent_gitignore_is_walked(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("scratch/\n")
    _touch(tmp_path, "scratch/try.py", "main.py")
    assert _run(tmp_path) == ["main.py"]
    assert _run(tmp_path / "scratch") == ["try.py"]


# ------------------------------------------------------------------------------- git: tracked files


def _repository(root: Path) -> Path:
    """A real git work tree: `.gitignore` hides notebooks, `.env` and `deploy/local/`; the demo
    notebook and one deploy script are force-added, the rest of what it ignores stays untracked."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".gitignore").write_text("*.ipynb\n.env\ndeploy/local/\n")
    _touch(root, "app/main.py", "notebooks/demo.ipynb", "notebooks/scratch.ipynb", "README.md")
    _touch(root, "deploy/local/prod-bootstrap.sh", "deploy/local/mine.sh", "deploy/local/deeper/also-mine.sh")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "add", "-f", "notebooks/demo.ipynb", "deploy/local/prod-bootstrap.sh")
    git(root, "commit", "-q", "-m", "initial")
    _touch(root, "app/new_untracked.py")  # untracked, not ignored: scanned
    return root


def test_tracked_files_that_gitignore_matches_are_found(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    assert _run(repo) == [
        "README.md",
        "app/main.py",
        "app/new_untracked.py",
        "deploy/local/prod-bootstrap.sh",
        "notebooks/demo.ipynb",
    ]


def test_tracked_ignored_file_is_found_when_a_subdirectory_is_walked(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    result = discover([repo / "notebooks", repo / "deploy"], cwd=repo)
    assert (result.errors, _displays(result)) == ([], ["deploy/local/prod-bootstrap.sh", "notebooks/demo.ipynb"])


def test_tracked_ignored_file_in_a_nested_repository(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.sh\n")
    _touch(tmp_path, "outer.sh")
    git(tmp_path, "init", "-q")
    _repository(tmp_path / "vendor" / "inner")  # its own index; the outer repository tracks none of it
    assert [path for path in _run(tmp_path) if path.endswith((".ipynb", ".sh"))] == [
        "vendor/inner/deploy/local/prod-bootstrap.sh",
        "vendor/inner/notebooks/demo.ipynb",
    ]


def test_tracked_ignored_file_in_a_linked_worktree(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "main")
    git(repo, "update-index", "--index-version", "4")
    git(repo, "worktree", "add", "-q", str(tmp_path / "feature"))
    _touch(tmp_path / "feature", "notebooks/feature-scratch.ipynb")
    assert "notebooks/demo.ipynb" in _run(tmp_path / "feature")
    assert "notebooks/feature-scratch.ipynb" not in _run(tmp_path / "feature")


def test_exclude_still_drops_tracked_files(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    assert "notebooks/demo.ipynb" not in _run(repo, exclude=["notebooks/"])
    assert _run(repo, respect_gitignore=False)[-2:] == ["notebooks/demo.ipynb", "notebooks/scratch.ipynb"]


def test_unreadable_index_is_reported_and_ignored_files_stay_skipped(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    (repo / ".git" / "index").write_bytes(b"DIRC\x00\x00\x00\x07" + bytes(64))
    result = discover([repo], cwd=repo)
    message = (
        "cannot read the git index (unsupported index version 7); ignored files are skipped even where git tracks them"
    )
    assert result.errors == [(".", message)]
    assert "notebooks/demo.ipynb" not in _displays(result)
    assert "app/main.py" in _displays(result)


def test_index_is_not_read_when_nothing_is_ignored(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    (repo / ".gitignore").write_text("")
    (repo / ".git" / "index").write_bytes(b"not an index")  # would be an error if it were read
    result = discover([repo], cwd=repo)
    assert result.errors == []
    assert "notebooks/scratch.ipynb" in _displays(result)


# ---------------------------------------------------------------------------------------- --exclude


def test_exclude_patterns_are_relative_to_each_path_argument(tmp_path: Path) -> None:
    _touch(tmp_path, "one/tests/t.py", "one/top.py", "one/src/top.py", "one/README.md", "one/docs/a.md")
    _touch(tmp_path, "two/tests/t.py", "two/top.py")
    result = discover(
        [tmp_path / "one", tmp_path / "two"],
        exclude=["tests/", "/top.py", "*.md", "!README.md"],
        cwd=tmp_path,
    )
    assert result.errors == []
    assert _displays(result) == ["one/README.md", "one/src/top.py"]


def test_exclude_applies_to_directories_and_prunes_them(tmp_path: Path) -> None:
    _touch(tmp_path, "gen/a.py", "gen/deep/b.py", "src/gen.py", "src/gen/c.py")
    assert _run(tmp_path, exclude=["/gen"]) == ["src/gen.py", "src/gen/c.py"]
    assert _run(tmp_path, exclude=["gen/"]) == ["src/gen.py"]


def test_invalid_exclude_pattern_raises(tmp_path: Path) -> None:
    with pytest.raises(MigrateError, match="invalid exclude pattern"):
        discover([tmp_path], exclude=["!"])


# ---------------------------------------------------------------------------------- explicit files


def test_explicit_file_overrides_ignore_rules(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    _touch(tmp_path, "ignored.py", "build/gen.py", "env/pyvenv.cfg", "env/tool.py", "excluded.py")
    names = ["ignored.py", "build/gen.py", "env/tool.py", "excluded.py"]
    assert _run(tmp_path, exclude=["excluded.py"]) == []
    result = discover([tmp_path / name for name in names], exclude=["excluded.py"], cwd=tmp_path)
    assert (_displays(result), result.errors) == (sorted(names), [])


def test_explicit_file_without_language_is_reported(tmp_path: Path) -> None:
    _touch(tmp_path, "data.json", "notes", "ok.py")
    result = discover([tmp_path / "data.json", tmp_path / "notes", tmp_path / "ok.py"], cwd=tmp_path)
    assert _displays(result) == ["ok.py"]
    assert result.errors == [("data.json", "unsupported file type"), ("notes", "unsupported file type")]


def test_missing_path_is_reported_and_discovery_continues(tmp_path: Path) -> None:
    _touch(tmp_path, "real/a.py", "b.py")
    result = discover([tmp_path / "nope", tmp_path / "real", tmp_path / "gone.py", tmp_path / "b.py"], cwd=tmp_path)
    assert _displays(result) == ["b.py", "real/a.py"]
    assert result.errors == [("gone.py", "no such file or directory"), ("nope", "no such file or directory")]


def test_each_file_once_and_sorted_across_arguments(tmp_path: Path) -> None:
    _touch(tmp_path, "z.py", "pkg/b.py", "pkg/a.py")
    result = discover([tmp_path / "z.py", tmp_path / "pkg", tmp_path, tmp_path / "pkg" / "a.py"], cwd=tmp_path)
    assert _displays(result) == ["pkg/a.py", "pkg/b.py", "z.py"]


# ------------------------------------------------------------------------------------------ symlinks


def test_symlink_to_outside_the_root_is_not_followed(tmp_path: Path) -> None:
    _touch(tmp_path, "outside/secret.py", "outside/dir/deep.py", "root/own.py")
    root = tmp_path / "root"
    (root / "linked_dir").symlink_to(tmp_path / "outside" / "dir")
    (root / "linked_file.py").symlink_to(tmp_path / "outside" / "secret.py")
    (root / "dangling.py").symlink_to(tmp_path / "missing.py")
    assert _run(root) == ["own.py"]


def test_symlink_inside_the_root_is_followed_once(tmp_path: Path) -> None:
    _touch(tmp_path, "lib/real/a.py", "lib/other.py")
    (tmp_path / "lib" / "alias").symlink_to("real", target_is_directory=True)
    (tmp_path / "lib" / "a_alias.py").symlink_to("other.py")  # listed before its target
    (tmp_path / "shortcut").symlink_to("lib/real", target_is_directory=True)
    assert _run(tmp_path) == ["lib/other.py", "lib/real/a.py"]


def test_symlink_inside_the_root_to_an_otherwise_unseen_file_is_scanned(tmp_path: Path) -> None:
    _touch(tmp_path, "data/tool.txt", text="#!/bin/sh\n")
    (tmp_path / "tool").symlink_to("data/tool.txt")
    result = discover([tmp_path], cwd=tmp_path)
    assert [(file.display, file.language) for file in result.files] == [("tool", "shell")]


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    _touch(tmp_path, "a/x.py")
    (tmp_path / "a" / "up").symlink_to("..", target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(".", target_is_directory=True)
    (tmp_path / "p").symlink_to("q")
    (tmp_path / "q").symlink_to("p")
    result = _within(10, lambda: discover([tmp_path], cwd=tmp_path), lambda: None)
    assert (_displays(result), result.errors) == (["a/x.py"], [])


def test_symlinked_path_argument_is_walked(tmp_path: Path) -> None:
    _touch(tmp_path, "real/a.py")
    (tmp_path / "link").symlink_to("real", target_is_directory=True)
    result = discover([tmp_path / "link"], cwd=tmp_path)
    assert result.files == [SourceFile(tmp_path / "link" / "a.py", "link/a.py", "python")]


# ------------------------------------------------------------------------------------- I/O failures


def test_unreadable_directory_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "proj"
    _touch(project, "ok.py", "locked/hidden.py", "zz/last.py")
    for directory in (tmp_path, project, project / "zz"):
        directory.chmod(0o755)
    (project / "locked").chmod(0)
    # Relative paths from a searchable cwd, since nobody cannot traverse pytest's private base dir.
    monkeypatch.chdir(tmp_path)
    try:
        with without_root_privileges():
            with pytest.raises(PermissionError):
                os.listdir("proj/locked")  # the fault is real, not simulated
            result = discover([Path("proj")], cwd=Path("."))
            as_argument = discover([Path("proj/locked"), Path("proj/ok.py")], cwd=Path("."))
    finally:
        (project / "locked").chmod(0o755)
    assert _displays(result) == ["proj/ok.py", "proj/zz/last.py"]
    assert result.errors == [("proj/locked", "permission denied")]
    assert _displays(as_argument) == ["proj/ok.py"]
    assert as_argument.errors == [("proj/locked", "permission denied")]


def test_fifo_in_tree_is_never_opened(tmp_path: Path) -> None:
    _touch(tmp_path, "a.py")
    for name in ("hook", "pipe.sh"):
        os.mkfifo(tmp_path / name)

    def unblock() -> None:
        for name in ("hook", "pipe.sh"):
            with contextlib.suppress(OSError):
                os.close(os.open(tmp_path / name, os.O_WRONLY | os.O_NONBLOCK))

    result = _within(10, lambda: discover([tmp_path], cwd=tmp_path), unblock)
    assert (_displays(result), result.errors) == (["a.py"], [])


def test_explicit_fifo_is_reported(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    result = _within(10, lambda: discover([tmp_path / "pipe.py"], cwd=tmp_path), lambda: None)
    assert (result.files, result.errors) == ([], [("pipe.py", "not a regular file or directory")])


# -------------------------------------------------------------------------------------- display paths


def test_display_is_relative_to_cwd_when_inside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _touch(tmp_path, "proj/src/a.py", "proj/b.py", "other/c.py")
    monkeypatch.chdir(tmp_path / "proj")
    result = discover([tmp_path / "proj" / "src", Path("b.py"), Path("./src/../src"), Path("../other")])
    assert _displays(result) == ["../other/c.py", "b.py", "src/a.py"]
    assert [file.path.read_text() for file in result.files] == ["", "", ""]


def test_display_outside_cwd_is_the_path_as_given(tmp_path: Path) -> None:
    _touch(tmp_path, "proj/x.py", "elsewhere/pkg/y.py")
    result = discover([tmp_path / "elsewhere"], cwd=tmp_path / "proj")
    expected = (tmp_path / "elsewhere" / "pkg" / "y.py").as_posix()
    assert result.files == [SourceFile(tmp_path / "elsewhere" / "pkg" / "y.py", expected, "python")]


def test_display_for_cwd_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _touch(tmp_path, "pkg/m.py")
    monkeypatch.chdir(tmp_path)
    result = discover([Path(".")])
    assert result.files == [SourceFile(Path("pkg/m.py"), "pkg/m.py", "python")]
