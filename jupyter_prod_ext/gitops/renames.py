"""A notebook's rename that git finds itself: the old name's removal goes into the commit of the new one.

Why a module of its own: the panel names the notebook's earlier paths (``renamed_from``) only for a
rename it saw, in the open tab during this page session. A notebook renamed or moved while closed
(the file browser), in a terminal, or before the page was reloaded leaves git a tracked notebook gone
from the working tree and an untracked new one; committed alone, the new one is an added file and the
old name's deletion stays uncommitted. Here git's own rename detection (``diff-index -M``) says which
deleted notebook of the repository, if any, the committed notebook is a rename of, and the files of
its jupytext pair follow it (:func:`pair_renames`).

git pairs any two similar files, and notebooks made from one template are similar, so a pair git
makes is a candidate only, taken when a stronger signal agrees and nothing else is as good:

* both notebooks are compared stripped of outputs (as the commit holds them), so a renamed notebook
  whose HEAD copy kept its outputs is as like the new one as it is;
* cell ids (nbformat 4.5) travel with a renamed file, while a notebook written anew has its own: when
  both notebooks have them, at least :data:`SHARED_IDS` of them must be shared (a copy of a template
  shares the template's cells only), git's own 50% similarity then suffices;
* without ids on both sides, only a notebook about the same as the new one counts
  (:data:`SIMILAR_WITHOUT_IDS`): two notebooks from one template are about half alike;
* never when ambiguous: with the paired one left out, no other deleted notebook may pair (two deleted
  twins: which one was renamed is the user's to say).

The comparison runs on trees of our own (a scratch index holds only the candidates, another only the
new notebook); nothing the user deleted goes in but the one old name and its pair.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import notebook as nbmod
from ..errors import GitError, ProdError
from ..jupytext_io import pair_paths
from .confinement import renamed_away
from .entries import Entry
from .repository import Head, Repo
from .runner import git

_LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}

#: git's similarity (percent, of the cells' text: :func:`cells_text`) a rename needs when both notebooks
#: have cell ids and share :data:`SHARED_IDS` of them: the ids say it is the same file, git that it is
#: the best of the candidates (a renamed notebook edited since may have changed much of its text).
SIMILAR_WITH_IDS = 30
#: The similarity a rename needs when the cell ids cannot tell (nbformat older than 4.5 on either side):
#: about the same notebook, more than notebooks made from one template are alike (measured in
#: bench/renames.py: renames edited since 48-89%, template siblings 15-69%).
SIMILAR_WITHOUT_IDS = 70
#: Share of the two notebooks' cell ids (of all the ids of either) a rename keeps when both have ids.
SHARED_IDS = 0.5
#: Deleted notebooks compared at most: the notebook's own folder first, then the others by path.
MAX_CANDIDATES = 64


@dataclass(frozen=True)
class Candidate:
    """A deleted notebook HEAD holds: its path, the blob of its stripped text and its cell ids (if all cells have one)."""

    rel: str
    blob: str
    ids: frozenset[str] | None


@dataclass(frozen=True)
class Rename:
    """A committed file (``new``) and the tracked name it had (``old``), gone from disk: repository paths."""

    old: str
    new: str


def commit_renames(
    repo: Repo,
    head: Head,
    entries: Sequence[Entry],
    notebook: Path,
    renamed_from: Sequence[Path],
    confine_to: Path | None,
    scratch: Path,
) -> list[Rename]:
    """The renames a commit of ``entries`` records: only with the notebook itself, never a deletion on its own.

    The names the panel saw the notebook renamed away from (``renamed_from``), with the old names of
    its jupytext pair; when it saw none (renamed or moved while closed, or before the page was
    reloaded), the deleted notebook git's rename detection pairs with it, and its pair's.
    """
    own = next((e for e in entries if e.path == notebook), None)
    if own is None:
        return []
    named = renamed_away(repo, renamed_from, confine_to) if renamed_from else []
    if named:
        return [Rename(old, own.rel) for old in named] + pair_renames(repo, entries, own, named, confine_to)
    return detected_renames(repo, head, entries, notebook, scratch, confine_to)


def detected_renames(
    repo: Repo, head: Head, entries: Sequence[Entry], notebook: Path, scratch: Path, confine_to: Path | None
) -> list[Rename]:
    """git's rename of ``notebook``: its old name and its pair's, for the files committed as ``entries``.

    Only when the pair's ``.ipynb`` (the notebook itself, or the ``.ipynb`` of a text notebook's pair)
    is committed and HEAD does not hold it (a rename's new name); the candidates are the ``.ipynb``
    files HEAD tracks that are gone from disk, inside the server root (``confine_to``). ``scratch``
    is a private folder for our own index files and objects (the user's index and object store are
    never written). When git cannot say (an error), the commit goes on without it: the new notebook
    is then an added file.
    """
    member = _ipynb_member(repo, entries, notebook)
    if head.commit is None or member is None or _in_head(repo, member.rel):
        return []
    try:
        old = _old_name(repo, head.commit, member, _Scratch.at(repo, scratch), confine_to)
    except GitError:
        return []
    return [] if old is None else [Rename(old, member.rel), *pair_renames(repo, entries, member, [old], confine_to)]


def pair_renames(
    repo: Repo, entries: Sequence[Entry], member: Entry, olds: Sequence[str], confine_to: Path | None
) -> list[Rename]:
    """The renames of the other files of ``member``'s jupytext pair, for ``member``'s old names ``olds``.

    jupytext renames a pair together (``old.ipynb`` + ``old.py`` become ``new.ipynb`` + ``new.py``):
    a file of the old pair counts when the file of the new pair in its place is committed too, and it
    is tracked and gone from disk (see :func:`renamed_away`).
    """
    committed = {Path(os.path.realpath(e.path)): e.rel for e in entries}
    was: dict[Path, str] = {}
    for old in olds:
        try:
            before = pair_paths(repo.top / old, member.data, member.fmt, ceiling=repo.top)
            after = pair_paths(member.path, member.data, member.fmt, ceiling=repo.top)
        except ProdError:
            continue
        for then, now in zip(before, after, strict=False):
            real_now = Path(os.path.realpath(now))
            if real_now != Path(os.path.realpath(member.path)) and real_now in committed:
                was[then] = committed[real_now]
    gone = set(renamed_away(repo, list(was), confine_to)) - set(olds)
    renames: list[Rename] = []
    for then, new in was.items():
        rel = repo.rel(Path(os.path.realpath(then.parent)) / then.name)  # as renamed_away names it
        if rel in gone:
            renames.append(Rename(rel, new))
    return renames


def _ipynb_member(repo: Repo, entries: Sequence[Entry], notebook: Path) -> Entry | None:
    """The committed ``.ipynb`` of the notebook's pair: the notebook itself, or its paired ``.ipynb``."""
    own = next((e for e in entries if e.path == notebook), None)
    if own is None or own.rel.endswith(".ipynb"):
        return own
    try:
        pair = {Path(os.path.realpath(p)) for p in pair_paths(own.path, own.data, own.fmt, ceiling=repo.top)}
    except ProdError:
        return None
    return next((e for e in entries if e.rel.endswith(".ipynb") and Path(os.path.realpath(e.path)) in pair), None)


def _in_head(repo: Repo, rel: str) -> bool:
    return bool(git(["ls-tree", "-z", "--name-only", "HEAD", "--", rel], repo.top, env=_LITERAL, read_only=True).out)


def _old_name(repo: Repo, commit: str, entry: Entry, scratch: _Scratch, confine_to: Path | None) -> str | None:
    """The one deleted notebook that is ``entry``'s old name, or ``None`` (none, or more than one could be)."""
    gone = _deleted_notebooks(repo, entry.rel, confine_to)
    if not gone:
        return None
    new_ids = cell_ids(entry.data)
    candidates = [c for c in _candidates(repo, commit, gone, scratch) if not _ids_disagree(c.ids, new_ids)]
    new_blob = _text_blobs(repo, [cells_text(entry.data)], scratch)[0]
    pairing = _Pairing(repo, entry.rel, new_blob, scratch)
    by_ids = [c for c in candidates if c.ids is not None and new_ids is not None]
    by_likeness = [c for c in candidates if c not in by_ids]
    found = [pairing.unique(by_ids, SIMILAR_WITH_IDS), pairing.unique(by_likeness, SIMILAR_WITHOUT_IDS)]
    if any(f is _AMBIGUOUS for f in found):
        return None
    named = [f for f in found if isinstance(f, str)]
    return named[0] if len(named) == 1 else None


def cell_ids(data: dict[str, Any]) -> frozenset[str] | None:
    """The notebook's cell ids (nbformat 4.5), or ``None`` when it is older or a cell has none."""
    cells = data.get("cells")
    minor = data.get("nbformat_minor")
    if data.get("nbformat") != 4 or not isinstance(minor, int) or minor < 5 or not isinstance(cells, list) or not cells:
        return None
    ids = [c.get("id") if isinstance(c, dict) else None for c in cells]
    if not all(isinstance(i, str) and i for i in ids):
        return None
    return frozenset(i for i in ids if isinstance(i, str))


def shared_ids(old: frozenset[str], new: frozenset[str]) -> float:
    """The share of the two notebooks' cell ids they have in common (Jaccard)."""
    return len(old & new) / len(old | new)


def _ids_disagree(old: frozenset[str] | None, new: frozenset[str] | None) -> bool:
    """Both notebooks have cell ids and share too few of them for one to be the other renamed."""
    return old is not None and new is not None and shared_ids(old, new) < SHARED_IDS


def _deleted_notebooks(repo: Repo, rel: str, confine_to: Path | None) -> list[str]:
    """The notebooks HEAD holds and the working tree does not (deleted, staged or not), inside the server
    root: those of ``rel``'s folder first, at most :data:`MAX_CANDIDATES`."""
    res = git(["diff-index", "-z", "--name-only", "--no-renames", "--diff-filter=D", "HEAD"],
              repo.top, env=_LITERAL, read_only=True)  # fmt: skip
    folder = posixpath.dirname(rel)
    deleted = [
        old for old in res.out.split("\0") if old.endswith(".ipynb") and not os.path.lexists(repo.top / old)
    ]
    deleted.sort(key=lambda old: (posixpath.dirname(old) != folder, old))
    gone = renamed_away(repo, [repo.top / old for old in deleted[: 4 * MAX_CANDIDATES]], confine_to)
    return gone[:MAX_CANDIDATES]


def _candidates(repo: Repo, commit: str, gone: list[str], scratch: _Scratch) -> list[Candidate]:
    """Each of ``gone`` as HEAD holds it, as its cells' text; one too large or not a notebook is left out."""
    listing = git(["ls-tree", "-z", "-l", commit, "--", *gone], repo.top, env=_LITERAL, read_only=True).out
    blobs: list[tuple[str, str]] = []
    for line in listing.split("\0"):
        meta, _, rel = line.partition("\t")
        fields = meta.split()
        if len(fields) == 4 and fields[1] == "blob" and fields[3].isdigit() and int(fields[3]) <= nbmod.MAX_NOTEBOOK_BYTES:
            blobs.append((rel, fields[2]))
    texts = _blob_texts(repo, [oid for _, oid in blobs])
    usable = [(rel, data) for (rel, _), text in zip(blobs, texts, strict=True) if (data := _parsed(text)) is not None]
    oids = _text_blobs(repo, [cells_text(data) for _, data in usable], scratch)
    return [Candidate(rel, oid, cell_ids(data)) for (rel, data), oid in zip(usable, oids, strict=True)]


def _blob_texts(repo: Repo, oids: list[str]) -> list[bytes]:
    """The contents of the blobs ``oids``, in one ``cat-file --batch``."""
    if not oids:
        return []
    out = git(["cat-file", "--batch"], repo.top, input="".join(f"{o}\n" for o in oids).encode(), read_only=True).stdout
    texts: list[bytes] = []
    pos = 0
    for oid in oids:
        header_end = out.find(b"\n", pos)
        size = _blob_size(out[pos:header_end]) if header_end >= 0 else None
        if size is None or header_end + 1 + size > len(out):
            raise GitError(f"git cat-file gave no contents for {oid} in {repo.top}.")
        texts.append(out[header_end + 1 : header_end + 1 + size])
        pos = header_end + 1 + size + 1
    return texts


def _blob_size(header: bytes) -> int | None:
    """The size ``cat-file --batch``'s ``<oid> blob <size>`` header gives; ``None`` for ``<oid> missing``
    or anything else (the object was pruned, or the output is cut short)."""
    fields = header.split()
    if len(fields) != 3 or fields[1] != b"blob" or not fields[2].isdigit():
        return None
    return int(fields[2])


def _parsed(data: bytes) -> dict[str, Any] | None:
    """A deleted notebook's JSON object; ``None`` when it is not one."""
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) and isinstance(parsed.get("cells"), list) else None


def cells_text(data: dict[str, Any]) -> str:
    """What git compares of a notebook: each cell's type and source, nothing else.

    Outputs, execution counts, ids and metadata say nothing about which notebook it is (a renamed
    notebook whose HEAD copy kept its outputs is the same code), and the JSON around every cell is
    alike in any two notebooks: compared as files, two small notebooks with nothing in common but a
    template are most of the way to git's 50%.
    """
    parts: list[str] = []
    for cell in data.get("cells") or []:
        if isinstance(cell, dict):
            source = cell.get("source")
            text = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source or "")
            parts.append(f"# %% {cell.get('cell_type')}\n{text.rstrip()}\n")
    return "".join(parts)


def _text_blobs(repo: Repo, texts: Sequence[str], scratch: _Scratch) -> list[str]:
    """The blob of each text (in our own object directory: diff-index compares blobs), in one call."""
    files = [scratch.folder / f"rename-candidate-{k}.txt" for k in range(len(texts))]
    for file, text in zip(files, texts, strict=True):
        # a cell may hold a lone surrogate ("\ud800" in its JSON): git is given its bytes as they are
        file.write_bytes(text.encode("utf-8", "surrogatepass"))
    if not files:
        return []
    res = git(["hash-object", "-w", "--no-filters", "--stdin-paths"], repo.top, env=scratch.env,
              input="".join(f"{f}\n" for f in files).encode())  # fmt: skip
    for file in files:
        file.unlink()
    return res.out.split()


class _Ambiguous:
    """More than one deleted notebook pairs: which one was renamed is the user's to say."""


_AMBIGUOUS = _Ambiguous()


@dataclass(frozen=True)
class _Scratch:
    """Our own folder for index files, and an object directory of our own in front of the repository's
    (``GIT_OBJECT_DIRECTORY``, the repository's objects as its alternate): the texts and trees compared
    never go into the user's repository, so a status that previews a rename writes nothing there."""

    folder: Path
    env: dict[str, str]

    @classmethod
    def at(cls, repo: Repo, folder: Path) -> _Scratch:
        objects = folder / "rename-objects"
        objects.mkdir(exist_ok=True)
        store = {"GIT_OBJECT_DIRECTORY": str(objects), "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(_object_store(repo))}
        return cls(folder, store)

    def with_index(self, index: Path) -> dict[str, str]:
        return {**self.env, "GIT_INDEX_FILE": str(index)}


def _object_store(repo: Repo) -> Path:
    """The repository's object directory (a linked worktree's is its main repository's: ``commondir``)."""
    common = repo.git_dir
    link = repo.git_dir / "commondir"
    if link.is_file():
        common = Path(os.path.normpath(repo.git_dir / link.read_text(encoding="utf-8").strip()))
    return common / "objects"


@dataclass(frozen=True)
class _Pairing:
    """git's rename detection between a tree of candidates and an index holding only the new notebook."""

    repo: Repo
    new_rel: str
    new_blob: str
    scratch: _Scratch

    def unique(self, candidates: list[Candidate], threshold: int) -> str | _Ambiguous | None:
        """The one of ``candidates`` git pairs at ``threshold`` percent, when no other would pair too."""
        if not candidates:
            return None
        paired = self.pair(candidates, threshold)
        rest = [c for c in candidates if c.rel != paired]
        if paired is not None and rest and self.pair(rest, threshold) is not None:
            return _AMBIGUOUS
        return paired

    def pair(self, candidates: list[Candidate], threshold: int) -> str | None:
        old_tree = self._tree([f"100644 {c.blob}\t{c.rel}" for c in candidates], "renames-old")
        res = git(["diff-index", "-z", "--cached", "--name-status", f"-M{threshold}%", "--diff-filter=R", old_tree],
                  self.repo.top, env=self.scratch.with_index(self._new_index), read_only=True)  # fmt: skip
        fields = res.out.split("\0")
        pairs = zip(fields[1::3], fields[2::3], strict=False)
        return next((old for old, new in pairs if new == self.new_rel), None)

    @functools.cached_property
    def _new_index(self) -> Path:
        """The index of the new notebook alone: the same for every question asked, so written once."""
        return self._index([f"100644 {self.new_blob}\t{self.new_rel}"], "renames-new")

    def _index(self, lines: list[str], name: str) -> Path:
        """A fresh index file holding exactly ``lines`` (``update-index --index-info`` records)."""
        index = self.scratch.folder / name
        index.unlink(missing_ok=True)
        git(["update-index", "-z", "--index-info"], self.repo.top, env=self.scratch.with_index(index),
            input=b"".join(line.encode() + b"\0" for line in lines))  # fmt: skip
        return index

    def _tree(self, lines: list[str], name: str) -> str:
        index = self._index(lines, name)
        return git(["write-tree"], self.repo.top, env=self.scratch.with_index(index)).out.strip()
