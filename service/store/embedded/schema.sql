-- Schema of the embedded store. Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ',
-- so that text order is time order.
CREATE TABLE IF NOT EXISTS sectors (
    slug TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS profiles (
    name TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    sectors TEXT NOT NULL -- JSON list of sector slugs, in the profile's order
);
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sector TEXT NOT NULL REFERENCES sectors (slug),
    region TEXT,
    internal INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS organizations_by_sector ON organizations (sector);
CREATE INDEX IF NOT EXISTS organizations_by_region ON organizations (region);
CREATE TABLE IF NOT EXISTS contacts (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    email TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_by_org ON contacts (org_id);
CREATE TABLE IF NOT EXISTS relationships (
    id TEXT PRIMARY KEY,
    org_a TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    org_b TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    ended_on TEXT,
    end_reason TEXT,
    ended_by TEXT
);
CREATE INDEX IF NOT EXISTS relationships_by_a ON relationships (org_a);
CREATE INDEX IF NOT EXISTS relationships_by_b ON relationships (org_b);
CREATE TABLE IF NOT EXISTS assessments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    rel_id TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    assessed_by TEXT NOT NULL,
    assessed_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assessments_by_rel ON assessments (rel_id, assessed_at, seq);
CREATE TABLE IF NOT EXISTS engagements (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    date TEXT NOT NULL,
    status TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS engagements_by_date ON engagements (date);
CREATE TABLE IF NOT EXISTS engagement_orgs (
    engagement_id TEXT NOT NULL REFERENCES engagements (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (engagement_id, org_id)
);
CREATE INDEX IF NOT EXISTS engagement_orgs_by_org ON engagement_orgs (org_id);
CREATE TABLE IF NOT EXISTS engagement_contacts (
    engagement_id TEXT NOT NULL REFERENCES engagements (id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (engagement_id, contact_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
-- A browser's session and a one-time sign-in code, each kept by the SHA-256 of its secret and
-- naming the hash of the token it acts with (the bootstrap admin token is in no table).
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
-- Wrong tokens and sign-in codes of each client address, and the addresses refused until a
-- moment: every worker counts them together.
CREATE TABLE IF NOT EXISTS wrong_tokens (
    client TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS wrong_tokens_by_client ON wrong_tokens (client, at);
CREATE INDEX IF NOT EXISTS wrong_tokens_by_time ON wrong_tokens (at);
CREATE TABLE IF NOT EXISTS refused_clients (
    client TEXT PRIMARY KEY,
    until TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_in_codes (
    code_hash TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
-- -- partnership evidence ----
-- Joint case plans, joint programs, agreements and collaboratives, one row each; `kind` says
-- which. `subkind` is an agreement's kind or a collaborative's scope; `name` a program's name,
-- an agreement's title or a collaborative's name. Dates are 'YYYY-MM-DD'.
CREATE TABLE IF NOT EXISTS evidence (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    subkind TEXT,
    name TEXT,
    case_ref TEXT,
    governance TEXT,
    notes TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    end_date TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS evidence_orgs (
    kind TEXT NOT NULL,
    evidence_id TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, evidence_id, org_id),
    FOREIGN KEY (kind, evidence_id) REFERENCES evidence (kind, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS evidence_orgs_by_org ON evidence_orgs (org_id, kind);
-- -- referrals ----
-- A referral keeps its latest status and its loop's closing; feedback_days is set once the
-- loop closes (NULL while open). events holds the statuses after 'sent', oldest first, as a
-- JSON list of [status, at, recorded_by, recorded_at]: they are only ever read with it.
-- Referrals to an organization are found through referral_pairs_by_to_flows, then
-- referrals_by_from.
CREATE TABLE IF NOT EXISTS referrals (
    id TEXT PRIMARY KEY,
    case_ref TEXT NOT NULL,
    from_org TEXT NOT NULL REFERENCES organizations (id),
    to_org TEXT NOT NULL REFERENCES organizations (id),
    category TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    screening INTEGER NOT NULL,
    consent INTEGER NOT NULL CHECK (consent = 1),
    sent_at TEXT NOT NULL,
    status TEXT NOT NULL,
    status_at TEXT NOT NULL,
    stage INTEGER NOT NULL,
    loop_closed_at TEXT,
    feedback_days REAL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    events TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS referrals_by_case ON referrals (case_ref, sent_at);
CREATE INDEX IF NOT EXISTS referrals_by_from
    ON referrals (from_org, to_org, feedback_days, sent_at);
-- The feedback-gap report of the whole network reads only what it needs: open loops by when
-- they were sent (those sent before the overdue cut-off are the pairs' open loops less the
-- rest), and closed loops in order of days to feedback (the median and those closed late).
CREATE INDEX IF NOT EXISTS referrals_open_by_sent ON referrals (sent_at)
    WHERE feedback_days IS NULL;
CREATE INDEX IF NOT EXISTS referrals_closed_by_days ON referrals (feedback_days)
    WHERE feedback_days IS NOT NULL;
-- Per ordered pair of organizations, updated with every referral write: how many referrals
-- reached each funnel stage and how many loops closed, again for screening-prompted ones.
CREATE TABLE IF NOT EXISTS referral_pairs (
    from_org TEXT NOT NULL REFERENCES organizations (id),
    to_org TEXT NOT NULL REFERENCES organizations (id),
    first_sent_at TEXT NOT NULL,
    last_sent_at TEXT NOT NULL,
    sent INTEGER NOT NULL,
    received INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    enrolled INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    loop_closed INTEGER NOT NULL,
    screening_sent INTEGER NOT NULL,
    screening_received INTEGER NOT NULL,
    screening_accepted INTEGER NOT NULL,
    screening_enrolled INTEGER NOT NULL,
    screening_completed INTEGER NOT NULL,
    screening_loop_closed INTEGER NOT NULL,
    PRIMARY KEY (from_org, to_org)
) WITHOUT ROWID;
-- By receiver, with what the feedback-gap report sums per receiver (loops sent and closed)
-- and what an eco-map reads of the referrals received (also the first and last sent).
DROP INDEX IF EXISTS referral_pairs_by_to;
DROP INDEX IF EXISTS referral_pairs_by_to_counts;
CREATE INDEX IF NOT EXISTS referral_pairs_by_to_flows
    ON referral_pairs (to_org, from_org, sent, loop_closed, first_sent_at, last_sent_at);
-- Every read of case-level data: who, in which role and organization, did what to which case.
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    token_id TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id TEXT,
    action TEXT NOT NULL,
    case_ref TEXT NOT NULL,
    referral_id TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_by_case ON audit_log (case_ref, seq);
CREATE INDEX IF NOT EXISTS audit_log_by_org ON audit_log (org_id, seq);
-- -- the change log of the analytics graph ----
-- Every process serving the data file keeps the organizations and relationships in memory as
-- a graph. Triggers (made by `connection.py`, one per table and kind of write) note each change
-- to them as it is committed, by whichever process or command made it: one row per organization or relationship, its latest change (the row of
-- its change before is deleted), so that a process brings its graph up to date by reading
-- the rows after the last `seq` it applied, and the log never holds more rows than there are
-- organizations and relationships. A relationship's row keeps its two organizations, so that
-- a process can drop the edge once the relationship is gone. (Ids are never changed by an
-- update, so an update notes the row's new state only.)
CREATE TABLE IF NOT EXISTS graph_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('organization', 'relationship')),
    key TEXT NOT NULL,
    org_a TEXT,
    org_b TEXT,
    UNIQUE (kind, key)
);
-- Per organization, a number that grows whenever anything its own answers show changes: its
-- row or a partner's, its relationships and their assessments, the referral pairs it is an
-- end of, and the partnership evidence naming it or a fellow member. Triggers (made by
-- `connection.py`) count each such write, by whichever process made it, so that a process can
-- keep an organization's answer and give it again while the number is the same.
CREATE TABLE IF NOT EXISTS organization_stamps (
    org_id TEXT PRIMARY KEY,
    stamp INTEGER NOT NULL
) WITHOUT ROWID;
-- Survey rounds: a round of the agency org_id, its respondents (contacts, each with the
-- partners they are asked about, JSON), and their answers; rounds outlive deleted organizations.
CREATE TABLE IF NOT EXISTS survey_rounds (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    title TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    partner_ids TEXT NOT NULL,
    collaborative_id TEXT
);
CREATE INDEX IF NOT EXISTS survey_rounds_by_org ON survey_rounds (org_id, created_at);
CREATE TABLE IF NOT EXISTS survey_respondents (
    round_id TEXT NOT NULL REFERENCES survey_rounds (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    org_id TEXT NOT NULL,
    side TEXT NOT NULL,
    email TEXT,
    partner_ids TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT,
    PRIMARY KEY (round_id, id)
);
CREATE TABLE IF NOT EXISTS survey_answers (
    round_id TEXT NOT NULL,
    respondent_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    side TEXT NOT NULL,
    openness INTEGER NOT NULL,
    reliability INTEGER NOT NULL,
    shared_mission INTEGER NOT NULL,
    influence INTEGER NOT NULL,
    resources INTEGER NOT NULL,
    involvement INTEGER NOT NULL,
    state_view TEXT NOT NULL,
    comment TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (round_id, partner_id, respondent_id),
    FOREIGN KEY (round_id, respondent_id) REFERENCES survey_respondents (round_id, id)
        ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS survey_answers_by_respondent ON survey_answers (round_id, respondent_id);
-- The outbox: every message, kept after it is sent (to whom, when, what).
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    to_address TEXT NOT NULL,
    to_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    round_id TEXT,
    org_id TEXT,
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_by_round ON outbox (round_id, created_at);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
-- What the store keeps about its own data, by name: 'loop_rule', the statuses that closed the
-- referral loops kept above (graph_models.referrals.LOOP_RULE).
CREATE TABLE IF NOT EXISTS store_marks (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
