"""`migrate.git_index` against real git work trees: what it reads must be what `git ls-files` says.

Every index layout git writes is produced by git itself (versions 2, 3, 4; SHA-256 objects; split
and sparse indexes; a linked worktree). git must be installed: these tests fail, never skip, without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.git_index import GitIndexError, git_dir_of, read_tracked_paths
from tests.gitrepo import git


def ls_files(work_tree: Path) -> set[str]:
    return {path for path in git(work_tree, "ls-files", "-z", "--cached").split("\0") if path}


def make_project(root: Path, *init: str) -> Path:
    """A small project whose .gitignore hides notebooks; one notebook is force-added."""
    root.mkdir()
    files = {
        ".gitignore": "*.ipynb\n.env\nscratch/\n",
        "app/__init__.py": "",
        "app/setup_stack.py": "from llama_stack_client import LlamaStackClient\n",
        "docs/Überblick.md": "# Überblick\n",
        "notebooks/demo.ipynb": '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
        "notebooks/try.ipynb": "{}\n",
        "scratch/tracked.sh": "#!/bin/sh\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for number in range(60):  # enough entries for v4 prefix compression to matter
        (root / "app" / f"module_with_a_rather_long_name_{number:02d}.py").write_text("")
    git(root, "init", "-q", *init)
    git(root, "add", "-A")
    git(root, "add", "-f", "notebooks/demo.ipynb", "scratch/tracked.sh")
    git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_every_index_version_reads_like_git_ls_files(tmp_path: Path, version: str) -> None:
    project = make_project(tmp_path / "p")
    git(project, "update-index", "--index-version", version)
    if version == "3":  # extended flags: skip-worktree and intent-to-add entries
        git(project, "update-index", "--skip-worktree", "app/__init__.py")
        (project / "app" / "later.py").write_text("")
        git(project, "add", "-N", "app/later.py")
    tracked = read_tracked_paths(str(project / ".git"))
    assert tracked.files == ls_files(project)
    assert tracked.tracks("notebooks/demo.ipynb")
    assert not tracked.tracks("notebooks/try.ipynb")
    assert tracked.tracks("docs/Überblick.md")
    assert tracked.tracks_below("scratch/")
    assert not tracked.tracks_below("notebook/")


def test_sha256_repository(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", "--object-format=sha256")
    assert read_tracked_paths(str(project / ".git")).files == ls_files(project)


def test_split_index_adds_the_shared_index_minus_its_deleted_entries(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    git(project, "update-index", "--split-index")
    (project / "app" / "new.py").write_text("")
    git(project, "add", "app/new.py")
    git(project, "rm", "-q", "--cached", "app/module_with_a_rather_long_name_07.py")
    (project / "app" / "setup_stack.py").write_text("# changed\n")
    git(project, "add", "app/setup_stack.py")  # an entry that replaces a shared one
    assert list((project / ".git").glob("sharedindex.*"))
    tracked = read_tracked_paths(str(project / ".git"))
    assert tracked.files == ls_files(project)
    assert "app/module_with_a_rather_long_name_07.py" not in tracked.files


def test_sparse_index_directory_entries_cover_what_is_below_them(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    git(project, "sparse-checkout", "init", "--cone", "--sparse-index")
    git(project, "sparse-checkout", "set", "app")
    tracked = read_tracked_paths(str(project / ".git"))
    assert "notebooks/" in tracked.sparse
    assert tracked.tracks("notebooks/demo.ipynb")
    assert tracked.tracks_below("scratch/")
    assert tracked.tracks("app/setup_stack.py")


def test_linked_worktree_is_found_through_its_dot_git_file(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    git(project, "worktree", "add", "-q", str(tmp_path / "wt"))
    git_dir = git_dir_of(str(tmp_path / "wt"))
    assert git_dir is not None and (tmp_path / "wt" / ".git").is_file()
    assert read_tracked_paths(git_dir).files == ls_files(tmp_path / "wt")


def test_repository_without_an_index_tracks_nothing(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    git(tmp_path / "p", "init", "-q")
    assert read_tracked_paths(str(tmp_path / "p" / ".git")).files == frozenset()


def test_no_git_directory(tmp_path: Path) -> None:
    assert git_dir_of(str(tmp_path)) is None
    (tmp_path / ".git").write_text("not a gitdir line\n")
    assert git_dir_of(str(tmp_path)) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"DIRC", "truncated index"),
        (b"XXXX" + bytes(40), "bad signature"),
        (b"DIRC\x00\x00\x00\x09" + bytes(40), "unsupported index version 9"),
        (b"DIRC\x00\x00\x00\x02\x00\x00\x00\x05" + bytes(60), "truncated index entry"),
    ],
)
def test_damaged_index_is_an_error(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "index").write_bytes(content)
    with pytest.raises(GitIndexError, match=message):
        read_tracked_paths(str(tmp_path))
