"""The project database's tables, and the migrations that bring older projects up to date.

One SQLite file per project. The ``labels`` table is append-only: triggers
refuse every UPDATE, and every DELETE of a human label, so that no code path,
present or future, can overwrite or lose a label a person gave. A second human
label for the same item is a new row; the store reads two different ones as a
conflict (see :mod:`semiloop.loop.store`).

``SCHEMA_VERSION`` is kept in ``meta``. A release that changes the tables adds
a function to :data:`MIGRATIONS`, keyed by the version it upgrades *from*;
:func:`semiloop.loop.store.ProjectStore.open` runs the missing ones in order,
in one transaction, so later releases open today's projects.
"""

__all__ = ["MIGRATIONS", "SCHEMA", "SCHEMA_VERSION", "SOURCES"]

SCHEMA_VERSION = 1

#: where a label comes from, most trusted first
SOURCES = ("human", "rule", "pseudo")
#: the ``review_items.reason`` of a row drawn at random from the pool: its label represents
#: the data, so the guard may judge on it
RANDOM_REASON = "random draw (the guard judges models on it)"

SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE classes (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE
);
CREATE TABLE items (
    sample_id TEXT PRIMARY KEY,
    source_file TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TABLE rounds (
    round INTEGER PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    pipeline TEXT NOT NULL,
    parameters TEXT NOT NULL,
    n_human INTEGER,
    n_rule INTEGER,
    metrics TEXT,
    model_file TEXT,
    message TEXT
);
CREATE TABLE labels (
    label_id INTEGER PRIMARY KEY,
    sample_id TEXT NOT NULL REFERENCES items (sample_id),
    value TEXT NOT NULL REFERENCES classes (name),
    source TEXT NOT NULL CHECK (source IN ('human', 'rule', 'pseudo')),
    annotator TEXT NOT NULL,
    created_at TEXT NOT NULL,
    round INTEGER REFERENCES rounds (round),
    confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    origin TEXT NOT NULL,
    import_id INTEGER REFERENCES imports (import_id),
    resolves INTEGER NOT NULL DEFAULT 0 CHECK (resolves IN (0, 1))
);
CREATE INDEX labels_by_item ON labels (sample_id, source);
CREATE TRIGGER labels_are_never_updated BEFORE UPDATE ON labels
BEGIN
    SELECT RAISE(ABORT, 'labels are append-only: add a new label instead of changing one');
END;
CREATE TRIGGER human_labels_are_never_deleted BEFORE DELETE ON labels
WHEN OLD.source = 'human'
BEGIN
    SELECT RAISE(ABORT, 'a human label cannot be deleted');
END;
CREATE TABLE validation (
    sample_id TEXT PRIMARY KEY REFERENCES items (sample_id),
    label_id INTEGER NOT NULL REFERENCES labels (label_id)
);
CREATE TABLE predictions (
    round INTEGER NOT NULL REFERENCES rounds (round),
    sample_id TEXT NOT NULL REFERENCES items (sample_id),
    value TEXT NOT NULL REFERENCES classes (name),
    confidence REAL NOT NULL,
    PRIMARY KEY (round, sample_id)
);
CREATE TABLE review_batches (
    batch_id INTEGER PRIMARY KEY,
    round INTEGER REFERENCES rounds (round),
    created_at TEXT NOT NULL,
    strategy TEXT NOT NULL,
    asked_of TEXT,
    size INTEGER NOT NULL
);
CREATE TABLE review_items (
    batch_id INTEGER NOT NULL REFERENCES review_batches (batch_id),
    sample_id TEXT NOT NULL REFERENCES items (sample_id),
    position INTEGER NOT NULL,
    score REAL,
    reason TEXT NOT NULL,
    suggestion TEXT,
    PRIMARY KEY (batch_id, sample_id)
);
CREATE TABLE imports (
    import_id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    batch_id INTEGER REFERENCES review_batches (batch_id),
    imported_at TEXT NOT NULL,
    n_labels INTEGER NOT NULL,
    n_duplicates INTEGER NOT NULL,
    n_conflicts INTEGER NOT NULL,
    n_ignored INTEGER NOT NULL
);
"""

#: ``{version: function(connection)}`` upgrading a project from ``version`` to ``version + 1``
MIGRATIONS = {}
