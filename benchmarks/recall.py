"""Recall and precision of `llama-stack-migrate scan` on a labelled corpus of real repositories.

Usage::

    .venv/bin/python benchmarks/recall.py [--baseline-src DIR] [--keep DIR]
    .venv/bin/python benchmarks/recall.py --candidates REPO

The corpus (`recall/corpus.toml`) is a set of source distributions from PyPI (`llama-stack` 0.1 to
0.7, `llama-stack-client`, `ogx`, `ogx-client`: their tests, docs, notebooks, scripts and run configs
use the deprecated APIs), pinned by version and sha256 and downloaded with `pip download --no-deps
--require-hashes` into ~/.cache/llama-stack-migrate/recall (override with
`LLAMA_STACK_MIGRATE_RECALL_CACHE`), plus hand-written mini-repositories (`recall/repos/`) for what
the dists lack, some of them assembled as git work trees.

`recall/labels.csv` lists, per repository, file, notebook cell and line, the true uses (`use`, with
rule and surface) and near-misses (`near`: lines that look like uses and are not; a near-miss names
the rule it resembles, or none for the operations'). The labels were made without the scanner:
candidates come from `--candidates` (regular expressions, see `CANDIDATE_PATTERNS` and
`FAMILY_CANDIDATE_PATTERNS`), each was read and decided, and only then compared with `scan`. Every
label carries a snippet of its line, checked here, so that a label cannot drift off its line.

The rules are scored in families (`FAMILIES`, `family_of`): the twelve deprecated operations and the
run-config entries the target ignores (`operation`); reads of a listing or lookup (`read`: LSM103,
LSM113, LSM123, LSM124, LSM133, LSM143, LSM153); uses and calls (`use`: LSM114, LSM125, LSM126,
LSM134, LSM144, LSM149, LSM154, LSM161); the SDK pin (`pin`: LSM160). The operations and the pin are
labelled in every repository. The reads and uses are labelled in a stated sample (`[sample]` in
corpus.toml): every hand-written repository, `llama_stack-0.1.9`, `llama_stack-0.3.5`, and the
integration tests and CLI of `ogx-1.5.0`, in which every finding of those rules and every line
`--candidates` prints for the family was read and decided; their findings elsewhere (~940, most in
the SDKs' and servers' own code) are counted as `unsampled` and not scored.

One `scan --format json --target ogx-1` runs over all repositories (as a user runs it, in a
subprocess). A finding counts as true when a `use` label has its repository, file, cell, line and
rule; every other finding in its family's sample is a false positive, and one on a `near` line of its
family is also listed as such. The script prints recall, precision, near-misses and the findings on
them per family, then for the operations recall and precision per surface (sdk, http, cli, config),
per language and per origin, the misses and the false positives. It exits 1 when the acceptance of
issue 12 is not met (for the operations: recall and precision of at least 99% per surface, and no
finding on a near-miss line) or a family falls below its floor (`FAMILY_FLOORS`: what it scored when
it was labelled).

`--baseline-src DIR` also scans with the `migrate` package of another source tree (for example
`git archive e0cbe49 | tar -x -C DIR`), so that the numbers before and after a change come from one run.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: The families a rule is scored in (`family_of`): the twelve deprecated operations and the run-config entries
#: the target ignores (`operation`: register, unregister, config); reads of a listing or a lookup (`read`: a read
#: rule whose route is a GET); uses and calls of a resource (`use`: a read rule whose route is a POST, such as
#: running a shield or invoking a tool, and the `call` rules); the SDK pin (`pin`).
FAMILIES = ("operation", "read", "use", "pin")
#: Findings left out of the score: a run config's provider settings (LSM26x, resource `provider`): their facts are
#: checked in the real server packages (tests/integration/test_provider_facts.py), and the corpus's run configs are
#: not labelled for them yet.
UNLABELLED_RESOURCES = frozenset({"provider"})

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "recall"
CORPUS_FILE = DATA / "corpus.toml"
LABELS_FILE = DATA / "labels.csv"
CACHE_ENV_VAR = "LLAMA_STACK_MIGRATE_RECALL_CACHE"
DEFAULT_CACHE = Path.home() / ".cache" / "llama-stack-migrate" / "recall"
TARGET = "ogx-1"
#: The surfaces of the `operation` family, whose acceptance (issue 12) is per surface.
SURFACES = ("sdk", "http", "cli", "config")
#: A use label's surface: the operations' surfaces, and a pin's.
LABEL_SURFACES = (*SURFACES, "pin")
LANGUAGES = ("python", "notebook", "shell", "markdown", "yaml")
ORIGINS = ("dists", "hand-written")
REQUIRED = 0.99
#: What the read, use and pin families scored on their labelled sample when it was labelled (recall, precision):
#: a floor, so that a change that loses a true finding or adds a false one fails. Raise it when a fix lands.
FAMILY_FLOORS = {"read": (0.931, 0.981), "use": (1.0, 1.0), "pin": (1.0, 1.0)}
DOT_GITIGNORE = "dot-gitignore"
EXTRACTED_MARKER = ".recall-extracted.json"
# Test runs may be parallel: the download and unpacking of one dist happen under this lock.
LOCK_NAME = ".lock"

# How the candidates were found (`--candidates`): broad on purpose, independent of the scanner.
CANDIDATE_PATTERNS = {
    "sdk": re.compile(
        r"\b(models|shields|toolgroups|datasets|benchmarks|scoring_functions|eval_tasks)\b"
        r"[\w.\s]{0,60}\b(register|unregister|delete)\b"
        r"|\.(register|unregister)\("
    ),
    "http": re.compile(
        r"/v1(alpha|beta)?/(eval/)?(models|shields|toolgroups|datasets|benchmarks|scoring-functions|eval-tasks)"
    ),
    "cli": re.compile(r"llama-stack-client\b.*\b(register|unregister)\b"),
    "config": re.compile(r"registered_resources|^\s*(shields|datasets|scoring_fns|benchmarks|tool_groups)\s*:"),
}
#: Lines that may be a read, a use or a pin (`--candidates`), by family: as broad, and as independent of the scanner.
FAMILY_CANDIDATE_PATTERNS = {
    "read": re.compile(
        r"\b(models|shields|toolgroups|tools|tool_runtime|datasets|benchmarks|scoring_functions)\s*\.\s*"
        r"(list|retrieve|get|iterrows|list_tools)\b"
        r"|/v1(alpha|beta)?/(models|shields|toolgroups|tools|tool-runtime/list-tools|datasets|datasetio/iterrows"
        r"|eval/benchmarks|scoring-functions)\b"
    ),
    "use": re.compile(
        r"\b(safety\s*\.\s*run_shield|moderations\s*\.\s*create|tool_runtime\s*\.\s*invoke_tool"
        r"|agents(\s*\.\s*(session|turn))?\s*\.\s*create|appendrows|eval\s*\.\s*(evaluate_rows|run_eval|jobs)"
        r"|scoring\s*\.\s*score)\b"
        r"|/v1(alpha)?/(safety/run-shield|moderations|agents|tool-runtime/invoke|datasetio/append-rows|scoring/score)"
        r"|/eval/benchmarks/[^/\s\"']+/(evaluations|jobs)"
    ),
    "pin": re.compile(r"(?<![\w.-])(llama[-_.]stack[-_.]client|ogx[-_.]client)(?![\w.-])", re.IGNORECASE),
}
_WRITE = re.compile(r"(?<![a-z])(post|delete)\b", re.IGNORECASE)  # also `self._post(`, `-X DELETE`
_DEPENDENCY_FILES = re.compile(r"(^|/)(pyproject\.toml|setup\.cfg|requirements[^/]*\.(txt|in)|constraints[^/]*\.txt)$")
_SHELL_NAMES = re.compile(
    r"\.(sh|bash|zsh|ksh|mk)$|(^|/)(Makefile|GNUmakefile|Justfile|Containerfile|Dockerfile(\.[^/]*)?)$"
)
_SCRIPT_SHEBANG = re.compile(r"#!\S*(?:/env\s+(?:-S\s+)?)?\S*(?:sh|python)")


class CorpusError(RuntimeError):
    """The corpus could not be assembled (a download, a hash, a label that does not fit its file)."""


@dataclass(frozen=True)
class Dist:
    """A pinned source distribution from PyPI."""

    repo: str
    requirement: str
    file: str
    sha256: str
    licence: str


@dataclass(frozen=True)
class Corpus:
    """The repositories, and where each family is labelled (`sample`: repositories, or folders or files of
    one written `repo/path`; everywhere for a family it does not name)."""

    dists: tuple[Dist, ...]
    handwritten: tuple[Handwritten, ...]
    sample: dict[str, frozenset[str]]

    def sampled(self, family: str, repo: str, path: str) -> bool:
        """Whether `family` is labelled in `repo`'s file `path`: its findings there are scored, others left out."""
        places = self.sample.get(family)
        if places is None:
            return True
        where = f"{repo}/{path}"
        return any(where == place or where.startswith(place + "/") for place in places)


@dataclass(frozen=True)
class Handwritten:
    """A mini-repository kept in `recall/repos/<repo>`."""

    repo: str
    git: bool = False
    force_add: tuple[str, ...] = ()


@dataclass(frozen=True)
class Label:
    """One labelled line: a true use (`kind == "use"`) or a near-miss (`kind == "near"`)."""

    repo: str
    path: str
    cell: int | None
    line: int
    kind: str
    rule: str
    surface: str
    snippet: str
    note: str

    @property
    def where(self) -> tuple[str, str, int | None, int]:
        return (self.repo, self.path, self.cell, self.line)

    @property
    def language(self) -> str:
        return language_of(self.path)

    @property
    def family(self) -> str:
        """The family of the label's rule; a near-miss that names no rule is one of the operations'."""
        return family_of(self.rule) if self.rule else FAMILIES[0]


@dataclass(frozen=True)
class Found:
    """One finding of the scan, reduced to what is scored."""

    repo: str
    path: str
    cell: int | None
    line: int
    rule: str
    surface: str
    language: str
    source: str

    @property
    def where(self) -> tuple[str, str, int | None, int]:
        return (self.repo, self.path, self.cell, self.line)

    @property
    def family(self) -> str:
        return family_of(self.rule)


@dataclass
class Tally:
    """Counts for one surface or language."""

    labelled: int = 0
    found: int = 0
    findings: int = 0
    true: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.true / self.findings if self.findings else 1.0


@dataclass
class FamilyTally(Tally):
    """A family's counts, with its near-miss lines, the findings on them and the findings outside its sample."""

    near: int = 0
    near_hit: int = 0
    unsampled: int = 0


@dataclass
class Score:
    """The outcome of one scan against the labels: the operations counted by surface, by language and by origin
    (the dists from PyPI, or the hand-written repositories), and every family on its own."""

    by_surface: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in SURFACES})
    by_language: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in LANGUAGES})
    by_origin: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in ORIGINS})
    by_family: dict[str, FamilyTally] = field(default_factory=lambda: {name: FamilyTally() for name in FAMILIES})
    misses: list[Label] = field(default_factory=list)
    false_positives: list[Found] = field(default_factory=list)
    near_hits: list[tuple[Found, Label]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def acceptable(self) -> bool:
        """Issue 12's acceptance for the operations (>= 99% recall and precision per surface, nothing on a
        near-miss line), and the other families at or above their floors."""
        operations_met = self.by_family[FAMILIES[0]].near_hit == 0 and all(
            tally.recall >= REQUIRED and tally.precision >= REQUIRED for tally in self.by_surface.values()
        )
        return operations_met and all(
            self.by_family[family].recall >= low_recall and self.by_family[family].precision >= low_precision
            for family, (low_recall, low_precision) in FAMILY_FLOORS.items()
        )


# ------------------------------------------------------------------------------------------ corpus


def load_corpus() -> Corpus:
    data = tomllib.loads(CORPUS_FILE.read_text(encoding="utf-8"))
    dists = tuple(Dist(**entry) for entry in data.get("dist", []))
    handwritten = tuple(
        Handwritten(entry["repo"], entry.get("git", False), tuple(entry.get("force_add", ())))
        for entry in data.get("handwritten", [])
    )
    sample = {family: frozenset(repos) for family, repos in data.get("sample", {}).items()}
    names = {dist.repo for dist in dists} | {repo.repo for repo in handwritten}
    unknown = sorted(
        f"{family}: {place}"
        for family, places in sample.items()
        for place in places
        if place.partition("/")[0] not in names
    )
    if set(sample) - set(FAMILIES) or unknown:
        raise CorpusError(
            f"corpus.toml: [sample] names families in {FAMILIES} and repositories of the corpus: {unknown}"
        )
    return Corpus(dists, handwritten, sample)


@functools.cache
def _families() -> dict[str, str]:
    """Rule id -> family, from the rules as `migrate` loads them (the rule files say what a rule is)."""
    from migrate.rule_loader import load_rules

    families = {}
    for rule in load_rules().rules:
        if rule.operation in ("register", "unregister", "config"):
            families[rule.id] = FAMILIES[0]
        elif rule.operation == "read" and rule.http.method == "GET":
            families[rule.id] = "read"
        elif rule.operation in ("read", "call"):
            families[rule.id] = "use"
        else:
            families[rule.id] = rule.operation
    return families


def family_of(rule: str) -> str:
    """The family a rule is scored in (`FAMILIES`); an unknown rule id is an error in the labels."""
    try:
        return _families()[rule]
    except KeyError:
        raise CorpusError(f"{rule}: no such rule") from None


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if needed), held while the context is open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def download(dist: Dist, cache: Path) -> Path:
    """The dist's archive in the cache, downloaded with pip (hash-checked) when missing."""
    archive = cache / "dists" / dist.file
    if archive.is_file() and _sha256(archive) == dist.sha256:
        return archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="recall-download-", dir=archive.parent) as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(f"{dist.requirement} --hash=sha256:{dist.sha256}\n")
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
            "--python-version", "3.12", "--require-hashes", "-r", str(requirements), "-d", scratch,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
        fetched = Path(scratch) / dist.file
        if done.returncode != 0 or not fetched.is_file():
            raise CorpusError(f"pip could not download {dist.requirement}:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
        if _sha256(fetched) != dist.sha256:
            raise CorpusError(f"{dist.file}: sha256 differs from corpus.toml")
        os.replace(fetched, archive)
    return archive


def unpack(dist: Dist, cache: Path) -> Path:
    """The dist unpacked in the cache (once per sha256); the returned folder is the repository."""
    trees = cache / "trees"
    tree = trees / dist.repo
    marker = tree / EXTRACTED_MARKER
    with _locked(cache / LOCK_NAME):
        if marker.is_file() and json.loads(marker.read_text()).get("sha256") == dist.sha256:
            return tree
        archive = download(dist, cache)
        trees.mkdir(parents=True, exist_ok=True)
        if tree.exists():
            shutil.rmtree(tree)
        with tempfile.TemporaryDirectory(prefix="recall-unpack-", dir=trees) as scratch:
            with tarfile.open(archive) as handle:
                if hasattr(tarfile, "data_filter"):
                    handle.extractall(scratch, filter="data")
                else:  # pragma: no cover - Pythons without extraction filters
                    handle.extractall(scratch)
            (top,) = Path(scratch).iterdir()
            (top / EXTRACTED_MARKER).write_text(json.dumps({"sha256": dist.sha256, "file": dist.file}))
            os.replace(top, tree)
    return tree


def _git(cwd: Path, *args: str) -> None:
    git = shutil.which("git")
    if git is None:
        raise CorpusError("git is not installed: the hand-written git work trees need it")
    identity = ["-c", "user.name=recall", "-c", "user.email=recall@example.invalid", "-c", "init.defaultBranch=main"]
    command = [git, *identity]
    done = subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CorpusError(f"git {' '.join(args)} failed in {cwd}:\n{done.stderr}")


def build_handwritten(repo: Handwritten, dest: Path) -> Path:
    """Copy a hand-written repository to `dest`, restoring `.gitignore` files and its git state."""
    source = DATA / "repos" / repo.repo
    if not source.is_dir():
        raise CorpusError(f"{source}: no such hand-written repository")
    shutil.copytree(source, dest, symlinks=True)
    for path in sorted(dest.rglob(DOT_GITIGNORE)):
        path.rename(path.with_name(".gitignore"))
    if repo.git:
        _git(dest, "init", "-q")
        _git(dest, "add", "-A")
        if repo.force_add:
            _git(dest, "add", "-f", "--", *repo.force_add)
        _git(dest, "commit", "-q", "-m", "corpus")
    return dest


def assemble(workdir: Path) -> list[str]:
    """Lay out every repository of the corpus as `workdir/<repo>` and return their names."""
    corpus = load_corpus()
    cache = cache_root()
    names: list[str] = []
    for dist in corpus.dists:
        (workdir / dist.repo).symlink_to(unpack(dist, cache), target_is_directory=True)
        names.append(dist.repo)
    for repo in corpus.handwritten:
        build_handwritten(repo, workdir / repo.repo)
        names.append(repo.repo)
    return names


# ------------------------------------------------------------------------------------------ labels


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text: str) -> list[str]:
    """Lines as parsers number them (LF, CR LF and CR end a line; nothing else does)."""
    return [line.rstrip("\r\n") for line in _LINE.findall(text)]


def language_of(path: str) -> str:
    """The language a labelled file is read as, from its name alone."""
    name = path.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("py", "pyi"):
        return "python"
    if suffix == "ipynb":
        return "notebook"
    if suffix in ("md", "mdx", "markdown"):
        return "markdown"
    if suffix in ("yaml", "yml"):
        return "yaml"
    if _DEPENDENCY_FILES.search(path):
        return "dependencies"
    return "shell"


def file_lines(path: Path, cell: int | None) -> list[str]:
    """The lines of a file, or of one notebook cell (1-based over all cells)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if cell is None:
        return _lines(text)
    cells = json.loads(text)["cells"]
    source = cells[cell - 1]["source"]
    return _lines(source if isinstance(source, str) else "".join(source))


def load_labels() -> list[Label]:
    with LABELS_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    labels: list[Label] = []
    for row in rows:
        labels.append(
            Label(
                repo=row["repo"],
                path=row["path"],
                cell=int(row["cell"]) if row["cell"] else None,
                line=int(row["line"]),
                kind=row["kind"],
                rule=row["rule"],
                surface=row["surface"],
                snippet=row["snippet"],
                note=row["note"],
            )
        )
    return labels


def check_labels(labels: Sequence[Label], workdir: Path) -> None:
    """Every label is well formed, in its family's sample, and its snippet is on its line; raises CorpusError
    listing all problems."""
    corpus = load_corpus()
    problems: list[str] = []
    cache: dict[tuple[str, str, int | None], list[str]] = {}
    for label in labels:
        where = f"{label.repo}/{label.path}" + (f" cell {label.cell}" if label.cell else "") + f":{label.line}"
        if label.kind not in ("use", "near"):
            problems.append(f"{where}: kind must be use or near, not {label.kind!r}")
        if label.kind == "use" and (label.surface not in LABEL_SURFACES or label.rule not in _families()):
            problems.append(f"{where}: a use needs a rule id and a surface in {LABEL_SURFACES}")
        if label.kind == "near" and (label.surface or not label.note or (label.rule and label.rule not in _families())):
            problems.append(
                f"{where}: a near-miss has no surface, a note that says why, and at most the rule it looks like"
            )
        elif (not label.rule or label.rule in _families()) and not corpus.sampled(label.family, label.repo, label.path):
            problems.append(f"{where}: {label.repo} is not in the {label.family} sample of corpus.toml")
        key = (label.repo, label.path, label.cell)
        if key not in cache:
            try:
                cache[key] = file_lines(workdir / label.repo / label.path, label.cell)
            except (OSError, ValueError, KeyError, IndexError) as exc:
                problems.append(f"{where}: cannot read: {exc}")
                cache[key] = []
                continue
        lines = cache[key]
        if lines and not (0 < label.line <= len(lines) and label.snippet in lines[label.line - 1]):
            problems.append(f"{where}: snippet {label.snippet!r} is not on that line")
    counts = Counter((label.where, label.kind, label.rule) for label in labels)
    duplicates = [item for item, count in counts.items() if count > 1]
    problems += [f"{where}: labelled twice as {kind} {rule}" for where, kind, rule in duplicates]
    if problems:
        raise CorpusError("labels.csv does not fit the corpus:\n  " + "\n  ".join(problems))


# -------------------------------------------------------------------------------------------- scan


def scan(workdir: Path, repos: Sequence[str], src: Path | None = None) -> tuple[list[Found], list[str], float]:
    """Run `scan --format json` over the repositories; the findings, the failures and the seconds."""
    env = {**os.environ, "NO_COLOR": "1"}
    env["PYTHONPATH"] = str(src or ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    command = [sys.executable, "-m", "migrate", "scan", "--format", "json", "--no-progress", "--target", TARGET]
    start = time.perf_counter()
    done = subprocess.run([*command, *repos], cwd=workdir, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 2):
        raise CorpusError(f"scan exited {done.returncode}:\n{done.stderr[-4000:]}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"scan printed no JSON report:\n{done.stdout[:2000]}\n{done.stderr[-2000:]}") from exc
    found = []
    for item in report["findings"]:
        if item.get("resource") in UNLABELLED_RESOURCES:
            continue
        repo, path = item["path"].split("/", 1)
        found.append(
            Found(
                repo, path, item["cell"], item["line"], item["rule"], item["surface"], item["language"], item["source"]
            )
        )
    failures = [f"{item['path']}: {item['error']}" for item in report["failures"]]
    return found, failures, seconds


def score(labels: Sequence[Label], found: Sequence[Found], corpus: Corpus | None = None) -> Score:
    """Match findings to labels by repository, file, cell, line and rule (each label counts once).

    `corpus` says which repositories come from PyPI (the others are hand-written) and which ones each family
    is labelled in: a finding outside its family's sample is counted as such and not scored.
    """
    corpus = corpus or Corpus((), (), {})
    dists = frozenset(dist.repo for dist in corpus.dists)
    result = Score()
    uses: dict[tuple[tuple[str, str, int | None, int], str], list[Label]] = {}
    near: dict[tuple[tuple[str, str, int | None, int], str], Label] = {}

    def origin(repo: str) -> str:
        return ORIGINS[0] if repo in dists else ORIGINS[1]

    def tallies(family: str, surface: str, language: str, repo: str) -> list[Tally]:
        """The tallies a label or finding counts in: its family's, and for the operations the others."""
        counted: list[Tally] = [result.by_family[family]]
        if family == FAMILIES[0]:
            counted += [
                result.by_surface.setdefault(surface, Tally()),
                result.by_language.setdefault(language, Tally()),
                result.by_origin[origin(repo)],
            ]
        return counted

    for label in labels:
        if label.kind == "use":
            uses.setdefault((label.where, label.rule), []).append(label)
            for tally in tallies(label.family, label.surface, label.language, label.repo):
                tally.labelled += 1
        else:
            near.setdefault((label.where, label.family), label)
    for _where, family in near:
        result.by_family[family].near += 1
    for finding in found:
        if not corpus.sampled(finding.family, finding.repo, finding.path):
            result.by_family[finding.family].unsampled += 1
            continue
        for tally in tallies(finding.family, finding.surface, finding.language, finding.repo):
            tally.findings += 1
        matching = uses.get((finding.where, finding.rule))
        if matching:
            label = matching.pop()
            for tally in tallies(finding.family, finding.surface, finding.language, finding.repo):
                tally.true += 1
            for tally in tallies(label.family, label.surface, label.language, label.repo):
                tally.found += 1
            continue
        result.false_positives.append(finding)
        near_miss = near.get((finding.where, finding.family))
        if near_miss is not None:
            result.near_hits.append((finding, near_miss))
            result.by_family[finding.family].near_hit += 1
    result.misses = [label for remaining in uses.values() for label in remaining]
    return result


def measure(workdir: Path, repos: Sequence[str], labels: Sequence[Label], src: Path | None = None) -> Score:
    found, failures, seconds = scan(workdir, repos, src)
    result = score(labels, found, load_corpus())
    result.failures = failures
    result.seconds = seconds
    return result


# ------------------------------------------------------------------------------------------ report


def _table(title: str, tallies: dict[str, Tally]) -> list[str]:
    rows = [f"{title:<10}{'labelled':>9}{'found':>7}{'recall':>9}{'findings':>10}{'true':>6}{'precision':>11}"]
    for name, tally in tallies.items():
        rows.append(
            f"{name:<10}{tally.labelled:>9}{tally.found:>7}{tally.recall:>9.1%}"
            f"{tally.findings:>10}{tally.true:>6}{tally.precision:>11.1%}"
        )
    total = Tally(
        sum(t.labelled for t in tallies.values()),
        sum(t.found for t in tallies.values()),
        sum(t.findings for t in tallies.values()),
        sum(t.true for t in tallies.values()),
    )
    rows.append(
        f"{'total':<10}{total.labelled:>9}{total.found:>7}{total.recall:>9.1%}"
        f"{total.findings:>10}{total.true:>6}{total.precision:>11.1%}"
    )
    return rows


def _at(repo: str, path: str, cell: int | None, line: int) -> str:
    return f"{repo}/{path}" + (f" cell {cell}" if cell else "") + f":{line}"


def _family_table(tallies: dict[str, FamilyTally]) -> list[str]:
    """The family table: the columns of `_table`, then the near-miss lines, the findings on them and the
    findings left out (outside the family's labelled sample)."""
    rows = _table("family", dict(tallies))
    rows[0] += f"{'near':>6}{'hit':>5}{'unsampled':>11}"
    for index, tally in enumerate(tallies.values(), start=1):
        rows[index] += f"{tally.near:>6}{tally.near_hit:>5}{tally.unsampled:>11}"
    return rows[:-1]


def render(result: Score, title: str) -> str:
    out = [f"== {title} (scan took {result.seconds:.2f}s)", *_family_table(result.by_family), ""]
    out += ["operations (register, unregister, config):", *_table("surface", result.by_surface), ""]
    out += [*_table("language", result.by_language), ""]
    out += [*_table("origin", result.by_origin), ""]
    out.append(f"misses ({len(result.misses)}):")
    out += [f"  {_at(*m.where)}  {m.rule} {m.surface}  {m.snippet!r}  {m.note}" for m in result.misses]
    out.append(f"false positives ({len(result.false_positives)}):")
    out += [f"  {_at(*f.where)}  {f.rule} {f.surface}  {f.source.strip()[:100]}" for f in result.false_positives]
    out.append(f"findings on near-miss lines ({len(result.near_hits)}):")
    out += [f"  {_at(*f.where)}  {f.rule}  near-miss: {label.note}" for f, label in result.near_hits]
    if result.failures:
        out.append(f"files the scan could not read ({len(result.failures)}):")
        out += [f"  {failure}" for failure in result.failures]
    verdict = "met" if result.acceptable() else "NOT met"
    floors = ", ".join(f"{family} {low[0]:.1%}/{low[1]:.1%}" for family, low in FAMILY_FLOORS.items())
    out.append(
        f"acceptance (operations: >= {REQUIRED:.0%} recall and precision per surface, no near-miss hit; "
        f"recall/precision floors: {floors}): {verdict}"
    )
    return "\n".join(out)


# -------------------------------------------------------------------------------------- candidates


def _candidate_lines(root: Path) -> Iterator[tuple[str, int | None, int, str, str]]:
    """(path, cell, line, kind, text) for every line a candidate pattern matches: kind is the surface of an
    operation's pattern, or `family/` and the family of another's (a line is listed once per family)."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or path.is_symlink() or "/.git/" in f"/{rel}":
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError):
            continue
        if language_of(rel) == "shell" and not (_SHELL_NAMES.search(rel) or _SCRIPT_SHEBANG.match(text)):
            continue
        dependencies = language_of(rel) == "dependencies"
        parts: Iterable[tuple[int | None, str]] = [(None, text)]
        if rel.endswith(".ipynb"):
            try:
                cells = json.loads(text)["cells"]
            except (ValueError, KeyError):
                continue
            parts = [
                (number, src if isinstance(src, str) else "".join(src))
                for number, cell in enumerate(cells, start=1)
                if cell.get("cell_type") == "code"
                for src in [cell.get("source", "")]
            ]
        for cell, source in parts:
            for number, line in enumerate(_lines(source), start=1):
                surface = next((name for name, pattern in CANDIDATE_PATTERNS.items() if pattern.search(line)), None)
                if surface is not None:
                    yield rel, cell, number, surface, line
                for family, pattern in FAMILY_CANDIDATE_PATTERNS.items():
                    if family == "read" and _WRITE.search(line):
                        continue  # a POST or DELETE of a read route's path is an operation's candidate
                    if (family == "pin") == dependencies and pattern.search(line):
                        yield rel, cell, number, f"family/{family}", line


def print_candidates(workdir: Path, repo: str, labels: Sequence[Label]) -> None:
    """The candidate lines of one repository that have no label (of the candidate's family) yet."""
    labelled = {(label.where, label.family) for label in labels}
    for path, cell, line, kind, text in _candidate_lines(workdir / repo):
        family = kind.removeprefix("family/") if kind.startswith("family/") else FAMILIES[0]
        if ((repo, path, cell, line), family) not in labelled:
            print(f"{repo},{path},{cell or ''},{line},{kind}  | {text.strip()[:160]}")


# -------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--baseline-src", type=Path, help="also scan with the migrate package of this source tree")
    parser.add_argument("--candidates", metavar="REPO", help="print REPO's unlabelled candidate lines and exit")
    parser.add_argument("--keep", type=Path, help="assemble the corpus in this (new) folder and keep it")
    args = parser.parse_args()

    if args.keep:
        args.keep.mkdir(parents=True)
        workdir = args.keep.resolve()
    else:
        workdir = Path(tempfile.mkdtemp(prefix="recall-"))
    try:
        start = time.perf_counter()
        repos = assemble(workdir)
        assembled = time.perf_counter() - start
        labels = load_labels()
        if args.candidates:
            print_candidates(workdir, args.candidates, labels)
            return 0
        check_labels(labels, workdir)
        uses = sum(label.kind == "use" for label in labels)
        print(
            f"corpus: {len(repos)} repositories, {uses} labelled uses, {len(labels) - uses} near-misses "
            f"(assembled in {assembled:.1f}s)"
        )
        results = []
        if args.baseline_src:
            results.append((f"baseline {args.baseline_src}", measure(workdir, repos, labels, args.baseline_src)))
        current = measure(workdir, repos, labels)
        results.append(("this tree", current))
        for title, result in results:
            print()
            print(render(result, title))
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if current.acceptable() else 1


if __name__ == "__main__":
    sys.exit(main())
