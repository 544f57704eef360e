"""The run manifest: every planned file of a cluster run with its state (pending, done or failed), on disk.

One SQLite file, written by the driver alone, so that a run of a million files keeps its bookkeeping out of memory
and a re-run with ``resume`` continues where it stopped. Indexes on the resolved input and output paths find
collisions across the whole run (two inputs with one output name, an output that is another input). The database is
opened in exclusive WAL mode: no shared-memory file (it works on network file systems), commits without fsync (a
killed driver loses nothing, a power cut at most the last moments), and a second driver on the same manifest is
refused.

``dispatched`` is the driver's clock when a file was first sent to a worker: a later attempt accepts an output
written since then as this run's (its worker died after the write, before the reply).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hush.errors import HushError

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    src TEXT NOT NULL,
    dst TEXT,
    src_key TEXT NOT NULL UNIQUE,
    dst_key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    audio_seconds REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    dispatched REAL,
    worker TEXT
);
CREATE INDEX IF NOT EXISTS files_status ON files (status, id);
"""
PAGE = 1000
STATES = ("pending", "done", "failed")


@dataclass
class Row:
    id: int
    src: str
    dst: str
    attempts: int
    dispatched: float | None


class RunManifest:
    """Open with :meth:`open`; a context manager that commits and closes."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path, params: dict, *, resume: bool = False, fresh: bool = False) -> RunManifest:
        """The manifest at ``path`` for a run with ``params`` (method, options, ...).

        An existing manifest is continued with ``resume`` (its params must match: failed files become pending
        again), replaced with ``fresh``, and otherwise refused, so that a second run never mixes with the first.
        """
        path = Path(path)
        existed = path.exists()
        if existed and not (resume or fresh):
            raise HushError(
                f"{path}: manifest of an earlier run; add --resume to continue it (or --overwrite to start anew)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, timeout=0.5)
        self = cls(db, path)
        try:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")  # takes the lock, kept until close: a second driver fails here
            if existed and fresh and not resume:
                db.execute("DROP TABLE IF EXISTS files")
                db.execute("DROP TABLE IF EXISTS run")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            self._check_params(params)
            # failed files are tried again; planning failures are planned again
            db.execute("DELETE FROM files WHERE dst IS NULL")
            db.execute("UPDATE files SET status='pending', error=NULL, attempts=0 WHERE status='failed'")
            db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            db.close()
            problem = "in use by another run" if "locked" in str(e) else str(e)
            raise HushError(f"{path}: cannot open the run manifest ({problem})") from None
        except sqlite3.DatabaseError as e:
            db.close()
            raise HushError(f"{path}: not a hush run manifest ({e})") from None
        except BaseException:
            db.close()
            raise
        return self

    def _check_params(self, params: dict) -> None:
        stored = dict(self.db.execute("SELECT key, value FROM run"))
        want = {k: json.dumps(v, sort_keys=True) for k, v in params.items()}
        if stored:
            diff = [k for k in want if stored.get(k) != want[k]]
            if diff:
                was = ", ".join(f"{k}={json.loads(stored[k]) if k in stored else None!r}" for k in diff)
                raise HushError(
                    f"{self.path}: the earlier run had {was}; resume it with the same settings or use another "
                    "output folder"
                )
        else:
            self.db.executemany("INSERT INTO run VALUES (?, ?)", want.items())

    def __enter__(self) -> RunManifest:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")
        self.db.close()

    # planning

    def add(self, src: Path, dst: Path) -> str | None:
        """Plan ``src -> dst`` as pending (already planned: kept as it is); a collision is recorded as failed and
        returned as its one-line error."""
        src_key, dst_key = str(src.resolve()), str(dst.resolve())
        try:
            self.db.execute(
                "INSERT INTO files (src, dst, src_key, dst_key) VALUES (?, ?, ?, ?) ON CONFLICT (src_key) DO NOTHING",
                (str(src), str(dst), src_key, dst_key),
            )
            return None
        except sqlite3.IntegrityError:
            (other,) = self.db.execute("SELECT src FROM files WHERE dst_key = ?", (dst_key,)).fetchone()
            return self.fail_planning(
                src, f"{src}: output name {dst} is also the output of {other}; rename one of them"
            )

    def fail_planning(self, src: Path, error: str) -> str:
        """Record ``src`` as failed before it got an output (a naming conflict); returns ``error``."""
        self.db.execute(
            "INSERT INTO files (src, src_key, status, error) VALUES (?, ?, 'failed', ?) "
            "ON CONFLICT (src_key) DO UPDATE SET status='failed', error=excluded.error WHERE status != 'done'",
            (str(src), str(src.resolve()), error),
        )
        return error

    def outputs_on_inputs(self) -> list[tuple[str, str]]:
        """Mark every pending file whose output is another planned input as failed; ``(src, error)`` of each."""
        rows = self.db.execute(
            "SELECT a.id, a.src FROM files a JOIN files b ON a.dst_key = b.src_key WHERE a.status = 'pending'"
        ).fetchall()
        out = []
        for id_, src in rows:
            error = f"{src}: output would overwrite an input file; use another -o folder or a --suffix"
            self.db.execute("UPDATE files SET status='failed', error=? WHERE id=?", (error, id_))
            out.append((src, error))
        return out

    def begin(self) -> None:
        """Group the following writes into one transaction (planning many files), until :meth:`commit`."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN")

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    # running

    def count(self, status: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM files WHERE status = ?", (status,)).fetchone()[0]

    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in STATES}

    def pending(self) -> Iterator[Row]:
        """Pending files in planning order, read a page at a time (safe while they are being marked)."""
        last = 0
        while True:
            page = self.db.execute(
                "SELECT id, src, dst, attempts, dispatched FROM files WHERE status = 'pending' AND id > ? "
                "ORDER BY id LIMIT ?",
                (last, PAGE),
            ).fetchall()
            if not page:
                return
            for r in page:
                yield Row(*r)
            last = page[-1][0]

    def dispatched(self, row: Row, when: float) -> None:
        """Note an attempt of ``row``; its first dispatch time is kept."""
        row.attempts += 1
        if row.dispatched is None:
            row.dispatched = when
        self.db.execute(
            "UPDATE files SET attempts = ?, dispatched = ? WHERE id = ?", (row.attempts, row.dispatched, row.id)
        )

    def done(self, row: Row, audio_seconds: float, worker: str) -> None:
        self.db.execute(
            "UPDATE files SET status='done', error=NULL, audio_seconds=?, worker=? WHERE id=?",
            (audio_seconds, worker, row.id),
        )

    def failed(self, row: Row, error: str, worker: str | None = None) -> None:
        self.db.execute("UPDATE files SET status='failed', error=?, worker=? WHERE id=?", (error, worker, row.id))

    def failures(self) -> Iterator[tuple[str, str]]:
        """``(src, error)`` of every failed file, in planning order."""
        yield from self.db.execute("SELECT src, error FROM files WHERE status = 'failed' ORDER BY id")
