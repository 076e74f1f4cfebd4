-- Touchstone store, SQLite. Kept in step with ../postgres/0001_store.sql:
-- the same tables, columns, types (TEXT, BIGINT, BLOB = BYTEA) and
-- constraints; tests/schema.rs compares the two files and, on a live
-- PostgreSQL, the migrated catalogues. Identifiers are TEXT (UUIDs made by
-- the application, or SHA-256 for blobs), timestamps TEXT in RFC 3339 UTC,
-- JSON documents TEXT: one set of queries runs unchanged on both backends.

CREATE TABLE users (
    id TEXT NOT NULL PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('assessor', 'reviewer', 'admin')),
    created_at TEXT NOT NULL
);

-- Content-addressed bytes, stored once: a row per distinct SHA-256, the
-- bytes in chunks of at most 1 MiB so that neither writing nor reading
-- holds a whole file in memory.
CREATE TABLE blobs (
    sha256 TEXT NOT NULL PRIMARY KEY CHECK (length(sha256) = 64),
    size BIGINT NOT NULL CHECK (size >= 0),
    created_at TEXT NOT NULL
);

CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    seq BIGINT NOT NULL CHECK (seq >= 0),
    data BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
);

CREATE TABLE products (
    id TEXT NOT NULL PRIMARY KEY,
    maker TEXT NOT NULL,
    model TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (maker, model)
);

CREATE TABLE firmware_versions (
    id TEXT NOT NULL PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    version TEXT NOT NULL,
    hardware_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (product_id, version, hardware_version)
);

-- One assessment of one firmware version against one edition. `version`
-- grows with every change to the assessment's data (optimistic locking of
-- the assessment as a whole); `summary` caches the engine's overall result.
CREATE TABLE assessments (
    id TEXT NOT NULL PRIMARY KEY,
    firmware_id TEXT NOT NULL REFERENCES firmware_versions (id),
    name TEXT NOT NULL,
    edition TEXT NOT NULL,
    device TEXT NOT NULL,
    conditions TEXT NOT NULL,
    features TEXT NOT NULL,
    deliverable TEXT NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'frozen')),
    version BIGINT NOT NULL CHECK (version >= 1),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The files of the project directory, exactly as read (the export writes
-- them back byte for byte). `role` says what the file is to the project.
CREATE TABLE project_files (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    path TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('project', 'ics', 'ixit', 'evidence', 'findings', 'attachment', 'other')),
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (assessment_id, path)
);

CREATE TABLE ics_answers (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    provision TEXT NOT NULL,
    support TEXT NOT NULL,
    detail TEXT NOT NULL,
    ixit TEXT NOT NULL,
    claimed_status TEXT,
    documents TEXT NOT NULL,
    PRIMARY KEY (assessment_id, provision)
);

CREATE TABLE ixit_entries (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    position BIGINT NOT NULL,
    table_name TEXT NOT NULL,
    entry_id TEXT,
    title TEXT,
    fields TEXT NOT NULL,
    extensions TEXT NOT NULL,
    PRIMARY KEY (assessment_id, position)
);

-- Runs produce findings: firmware scans, probes and imports of findings files.
CREATE TABLE runs (
    id TEXT NOT NULL PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('firmware-scan', 'probe', 'findings-import')),
    label TEXT NOT NULL,
    input_sha256 TEXT REFERENCES blobs (sha256),
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_by TEXT NOT NULL REFERENCES users (id),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (assessment_id, position)
);

CREATE TABLE findings (
    run_id TEXT NOT NULL REFERENCES runs (id),
    position BIGINT NOT NULL,
    check_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    supports TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    provisions TEXT NOT NULL,
    test_units TEXT NOT NULL,
    message TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
);

CREATE INDEX findings_by_fingerprint ON findings (fingerprint);

-- Manual evidence records; `version` is the optimistic lock of one record.
CREATE TABLE records (
    id TEXT NOT NULL PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    record_key TEXT NOT NULL,
    test_case TEXT NOT NULL,
    units TEXT NOT NULL,
    verdict TEXT NOT NULL,
    assessor TEXT NOT NULL,
    date TEXT NOT NULL,
    notes TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    UNIQUE (assessment_id, record_key)
);

CREATE INDEX records_by_test_case ON records (assessment_id, test_case);

-- Files cited by records and ICS rows (the bytes are blobs).
CREATE TABLE attachments (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('record', 'ics')),
    owner_key TEXT NOT NULL,
    position BIGINT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    description TEXT,
    PRIMARY KEY (assessment_id, owner_kind, owner_key, position)
);

CREATE TABLE dispositions (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    disposition_key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (assessment_id, disposition_key)
);

-- The verdict of every test case of the plan; `version` is the optimistic
-- lock of the test case: a save names the version it was based on.
CREATE TABLE verdicts (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    test_case TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, test_case)
);

-- Every verdict a test case ever had (append-only).
CREATE TABLE verdict_history (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    test_case TEXT NOT NULL,
    version BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    cause TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, test_case, version)
);

CREATE TABLE reviews (
    id TEXT NOT NULL PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'changes-requested')),
    comment TEXT NOT NULL,
    assessment_version BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE signoffs (
    id TEXT NOT NULL PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('reviewer', 'approver')),
    assessment_version BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

-- Who did what, when, with the state before and after (JSON). Rows are
-- only ever inserted: the triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    assessment_id TEXT,
    before TEXT,
    after TEXT
);

CREATE INDEX audit_by_assessment ON audit_log (assessment_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER verdict_history_no_update BEFORE UPDATE ON verdict_history
BEGIN
    SELECT RAISE(ABORT, 'verdict_history is append-only');
END;

CREATE TRIGGER verdict_history_no_delete BEFORE DELETE ON verdict_history
BEGIN
    SELECT RAISE(ABORT, 'verdict_history is append-only');
END;
