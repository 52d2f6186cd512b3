-- electd schema, migration 0001. Migrations are append-only: never edit one that has been
-- released; add the next number instead. Applied in order by storage/migrations.cpp, each in
-- its own transaction, and recorded in schema_migrations.

-- The election this database holds (the reference directory's election.csv, as key/value).
CREATE TABLE election (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every reference data version applied to this database, oldest first.
CREATE TABLE reference_versions (
    data_version INTEGER PRIMARY KEY,
    short_name   TEXT    NOT NULL,
    source       TEXT    NOT NULL,  -- "bundled" or the directory it was loaded from
    applied_at   INTEGER NOT NULL   -- unix ms
);

CREATE TABLE constituencies (
    ons_code   TEXT PRIMARY KEY,
    position   INTEGER NOT NULL UNIQUE, -- load order; electd's seat index
    pa_number  INTEGER UNIQUE,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    nation     TEXT NOT NULL,
    electorate INTEGER
) WITHOUT ROWID;

CREATE TABLE parties (
    code          TEXT PRIMARY KEY,
    position      INTEGER NOT NULL UNIQUE,  -- electd's party id
    name          TEXT NOT NULL,
    colour        TEXT NOT NULL,
    from_feed     INTEGER NOT NULL DEFAULT 0, -- 1: first named by a feed on the night
    registered_at INTEGER                     -- unix ms, for parties from feeds
) WITHOUT ROWID;

CREATE TABLE party_aliases (
    alias TEXT PRIMARY KEY,  -- case-folded
    party TEXT NOT NULL REFERENCES parties (code)
) WITHOUT ROWID;

-- The previous (notional) result per seat and party.
CREATE TABLE baseline_votes (
    constituency TEXT    NOT NULL REFERENCES constituencies (ons_code),
    party        TEXT    NOT NULL REFERENCES parties (code),
    votes        INTEGER NOT NULL CHECK (votes >= 0),
    PRIMARY KEY (constituency, party)
) WITHOUT ROWID;

CREATE TABLE watchlist (
    constituency TEXT PRIMARY KEY REFERENCES constituencies (ons_code),
    position     INTEGER NOT NULL,
    note         TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE bellwethers (
    constituency TEXT PRIMARY KEY REFERENCES constituencies (ons_code),
    position     INTEGER NOT NULL,
    note         TEXT NOT NULL
) WITHOUT ROWID;

-- People whose defeat is news beyond a sitting MP's.
CREATE TABLE notables (
    constituency TEXT    NOT NULL REFERENCES constituencies (ons_code),
    name         TEXT    NOT NULL,
    note         TEXT    NOT NULL,
    critical     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (constituency, name)
) WITHOUT ROWID;

CREATE TABLE nominations (
    constituency TEXT    NOT NULL REFERENCES constituencies (ons_code),
    name         TEXT    NOT NULL,
    party        TEXT    NOT NULL REFERENCES parties (code),
    sitting_mp   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX nominations_by_seat ON nominations (constituency);

-- Every revision of every declaration, as received: never updated, never deleted.
-- seq is electd's global, gap-free ingest sequence number.
CREATE TABLE declarations (
    seq             INTEGER PRIMARY KEY,
    constituency    TEXT    NOT NULL,
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    kind            TEXT    NOT NULL CHECK (kind IN ('result', 'rush')),
    declared_at     TEXT    NOT NULL,  -- as sent, RFC 3339 with the sender's offset
    declared_at_ms  INTEGER NOT NULL,  -- the same instant, unix ms (for as-of queries)
    received_at_ms  INTEGER NOT NULL,
    source          TEXT    NOT NULL,  -- "http", later the feed's name
    content_type    TEXT    NOT NULL,
    payload         BLOB    NOT NULL,  -- the raw bytes received
    electorate      INTEGER,
    invalid_votes   INTEGER,
    valid_votes     INTEGER NOT NULL,
    winner          TEXT    NOT NULL,
    runner_up       TEXT,
    majority        INTEGER NOT NULL,
    majority_share  REAL    NOT NULL,  -- % of valid votes
    turnout         REAL,              -- % of the electorate
    swing           REAL,              -- Butler swing between the top two, points
    gain            INTEGER NOT NULL,
    previous_winner TEXT,
    result_text     TEXT    NOT NULL,  -- "Lab gain from Con"
    analysis_json   TEXT,              -- its comparison with the exit poll, projections, records
    UNIQUE (constituency, revision, kind) -- PA sends a rush and a result under one revision number
);
CREATE INDEX declarations_by_time ON declarations (declared_at_ms);

CREATE TABLE declaration_candidates (
    seq      INTEGER NOT NULL REFERENCES declarations (seq),
    position INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    party    TEXT    NOT NULL,
    votes    INTEGER NOT NULL,
    elected  INTEGER NOT NULL,
    PRIMARY KEY (seq, position)
) WITHOUT ROWID;

-- Forecasts: the exit poll, projections and scenarios. A model is replaced as a whole when it
-- is loaded again; every load is kept in model_loads.
CREATE TABLE models (
    name      TEXT PRIMARY KEY,
    title     TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('shares', 'probabilities', 'pick')),
    headline  INTEGER NOT NULL DEFAULT 0,
    published TEXT    NOT NULL DEFAULT '',
    source    TEXT    NOT NULL DEFAULT '',
    position  INTEGER NOT NULL,
    loaded_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Per seat and party: a share (%), a probability (0..1), or 1 for a pick.
CREATE TABLE model_values (
    model        TEXT NOT NULL REFERENCES models (name),
    constituency TEXT NOT NULL,
    party        TEXT NOT NULL,
    value        REAL NOT NULL,
    PRIMARY KEY (model, constituency, party)
) WITHOUT ROWID;

-- A model's own national seat figures (the exit poll's headline numbers).
CREATE TABLE model_national (
    model TEXT    NOT NULL REFERENCES models (name),
    party TEXT    NOT NULL,
    seats INTEGER NOT NULL,
    PRIMARY KEY (model, party)
) WITHOUT ROWID;

CREATE TABLE model_loads (
    id        INTEGER PRIMARY KEY,
    model     TEXT    NOT NULL,
    loaded_at INTEGER NOT NULL,
    source    TEXT    NOT NULL,
    payload   BLOB
);

-- Every alert, numbered without gaps in the same transaction as what caused it.
CREATE TABLE alerts (
    seq             INTEGER PRIMARY KEY,
    type            TEXT    NOT NULL,
    severity        TEXT    NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    constituency    TEXT,
    parties         TEXT    NOT NULL,  -- JSON array of party codes
    text            TEXT    NOT NULL,
    at              TEXT    NOT NULL,  -- RFC 3339, the time on the night
    at_ms           INTEGER NOT NULL,
    data            TEXT    NOT NULL,  -- JSON object
    declaration_seq INTEGER REFERENCES declarations (seq),
    retracts        INTEGER REFERENCES alerts (seq)
);
CREATE INDEX alerts_by_type ON alerts (type, seq);
CREATE INDEX alerts_by_constituency ON alerts (constituency, seq);
CREATE INDEX alerts_by_time ON alerts (at_ms);

-- Webhook delivery. The alerts table is the outbox: each endpoint's row here is its cursor,
-- the last alert seq it acknowledged, with the state of the alert being tried now.
CREATE TABLE webhook_outbox (
    endpoint        TEXT PRIMARY KEY,
    delivered_seq   INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0, -- failed attempts at the next alert
    next_attempt_ms INTEGER,
    last_status     INTEGER,                    -- HTTP status of the last attempt, if any
    last_error      TEXT,
    updated_ms      INTEGER NOT NULL
) WITHOUT ROWID;

-- Alerts an endpoint never acknowledged after its last attempt; delivery moved past them.
CREATE TABLE webhook_dead_letters (
    id         INTEGER PRIMARY KEY,
    endpoint   TEXT    NOT NULL,
    alert_seq  INTEGER NOT NULL REFERENCES alerts (seq),
    attempts   INTEGER NOT NULL,
    last_error TEXT    NOT NULL,
    dead_ms    INTEGER NOT NULL,
    UNIQUE (endpoint, alert_seq)
);

-- Feed messages that are not declarations (PA's state of the parties, recounts), as received.
CREATE TABLE feed_messages (
    id           INTEGER PRIMARY KEY,
    source       TEXT    NOT NULL,
    kind         TEXT    NOT NULL, -- sop | recount
    constituency TEXT,
    after_seq    INTEGER NOT NULL, -- the last declaration seq when it arrived
    received_ms  INTEGER NOT NULL,
    file_name    TEXT,
    payload      BLOB    NOT NULL
);

-- Each feed client's position, so a restart resumes where it stopped: the drop folder's
-- processed files, the poller's ETag, the upstream WebSocket's last sequence number.
CREATE TABLE feed_state (
    feed       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (feed, key)
) WITHOUT ROWID;
