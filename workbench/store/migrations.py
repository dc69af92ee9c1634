"""Named schema migrations, applied in order when a database is opened.

Each migration has a name (recorded in ``schema_migrations`` once applied), a *why*, the schema
version it brings the file to, and its steps (SQL statements or functions of a connection).
Never edit a migration once it has shipped: files in the wild were made by it. Add a new one.

A minor version adds things an older program of the same major can ignore (a table, a column
with a default); a major version means older programs must refuse the file. All pending
migrations run in one transaction, after a backup copy of a non-empty file has been taken, so a
failure leaves the file as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from workbench.core.errors import KnownError, SchemaTooNewError
from workbench.store.sqlite_backup import backup_file
from workbench.store.times import now_utc, to_db_time

if TYPE_CHECKING:  # not at run time: `SCHEMA_VERSION` is read without importing SQLAlchemy
    from sqlalchemy import Connection

    from workbench.store.connection import Database

Step: TypeAlias = "str | Callable[[Connection], None]"


@dataclass(frozen=True)
class Migration:
    """One named, ordered schema change.

    Attributes:
        name: stable identifier stored in ``schema_migrations``.
        why: the reason for the change, for the next reader.
        version: (major, minor) of the schema once this migration is applied.
        steps: SQL statements (one statement each) or functions run in order.
    """

    name: str
    why: str
    version: tuple[int, int]
    steps: tuple[Step, ...]


_IMMUTABLE = "SELECT RAISE(ABORT, 'versions are immutable: save a new version instead')"
_APPEND_ONLY = "SELECT RAISE(ABORT, 'label_events is an append-only audit trail')"

INITIAL = Migration(
    name="m001_initial",
    why="The first schema: families with immutable content-addressed versions, labels, "
    "row-wise dataset storage, runs with upserted cells, and the response cache.",
    version=(1, 0),
    steps=(
        """CREATE TABLE schema_meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            major INTEGER NOT NULL,
            minor INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE schema_migrations (
            name TEXT PRIMARY KEY,
            applied_at TEXT NOT NULL
        )""",
        """CREATE TABLE version_contents (
            version_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            content_json TEXT NOT NULL
        )""",
        """CREATE TABLE families (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            head_id TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (kind, name),
            FOREIGN KEY (id, head_id) REFERENCES versions (family_id, version_id)
        )""",
        """CREATE TABLE versions (
            pk INTEGER PRIMARY KEY,
            family_id INTEGER NOT NULL REFERENCES families (id),
            version_id TEXT NOT NULL REFERENCES version_contents (version_id),
            number INTEGER NOT NULL,
            parent_id TEXT REFERENCES version_contents (version_id),
            author TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (family_id, version_id),
            UNIQUE (family_id, number)
        )""",
        "CREATE INDEX ix_versions_version_id ON versions (version_id)",
        """CREATE TABLE dataset_rows (
            version_id TEXT NOT NULL REFERENCES version_contents (version_id),
            position INTEGER NOT NULL,
            row_id TEXT NOT NULL,
            row_json TEXT NOT NULL,
            PRIMARY KEY (version_id, position),
            UNIQUE (version_id, row_id)
        )""",
        """CREATE TABLE labels (
            family_id INTEGER NOT NULL REFERENCES families (id),
            name TEXT NOT NULL,
            version_id TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (family_id, name),
            FOREIGN KEY (family_id, version_id) REFERENCES versions (family_id, version_id)
        )""",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            spec_json TEXT NOT NULL,
            columns_json TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            estimated_cost_usd REAL
        )""",
        """CREATE TABLE cells (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            row_id TEXT NOT NULL,
            column_index INTEGER NOT NULL,
            repeat INTEGER NOT NULL,
            status TEXT NOT NULL,
            output TEXT NOT NULL DEFAULT '',
            finish_reason TEXT,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_estimated INTEGER NOT NULL DEFAULT 0,
            ttft_ms REAL,
            latency_ms REAL,
            cost_usd REAL,
            cache_hit INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            error_kind TEXT,
            error_message TEXT,
            finished_at TEXT,
            PRIMARY KEY (run_id, row_id, column_index, repeat)
        )""",
        # Resume and retry-errors ask "which cells of this run have status X".
        "CREATE INDEX ix_cells_run_status ON cells (run_id, status)",
        """CREATE TABLE response_cache (
            key TEXT PRIMARY KEY,
            value_json TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        # Immutability is enforced by the file itself, not only by the absence of an API.
        f"CREATE TRIGGER version_contents_immutable BEFORE UPDATE ON version_contents "
        f"BEGIN {_IMMUTABLE}; END",
        f"CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions BEGIN {_IMMUTABLE}; END",
        f"CREATE TRIGGER dataset_rows_immutable BEFORE UPDATE ON dataset_rows "
        f"BEGIN {_IMMUTABLE}; END",
    ),
)

LABEL_AUDIT = Migration(
    name="m002_label_audit",
    why="Labels decide what ships, so who moved `production` and when must stay answerable: "
    "an append-only event log, guarded by triggers, seeded with one event per existing label.",
    version=(1, 1),
    steps=(
        """CREATE TABLE label_events (
            id INTEGER PRIMARY KEY,
            family_id INTEGER NOT NULL REFERENCES families (id),
            label TEXT NOT NULL,
            from_version_id TEXT,
            to_version_id TEXT,
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX ix_label_events_family ON label_events (family_id, id)",
        f"CREATE TRIGGER label_events_no_update BEFORE UPDATE ON label_events "
        f"BEGIN {_APPEND_ONLY}; END",
        f"CREATE TRIGGER label_events_no_delete BEFORE DELETE ON label_events "
        f"BEGIN {_APPEND_ONLY}; END",
        """INSERT INTO label_events (family_id, label, from_version_id, to_version_id, actor, at)
            SELECT family_id, name, NULL, version_id, 'schema-migration', updated_at
            FROM labels ORDER BY updated_at, family_id, name""",
    ),
)

FAMILY_DESCRIPTIONS = Migration(
    name="m003_family_descriptions",
    why="Family lists and exported files show what a prompt or dataset is for; the description "
    "belongs to the family, not to a version, so editing it creates no version.",
    version=(1, 2),
    steps=("ALTER TABLE families ADD COLUMN description TEXT NOT NULL DEFAULT ''",),
)

SCORES_AND_REVIEWS = Migration(
    name="m004_scores_and_reviews",
    why="Scoring a run with a rubric and reviewing its outputs by hand are both kept with the "
    "run: scores per cell and rubric version (so re-scoring with another version keeps both), "
    "ratings per cell and reviewer, and pairwise preferences between two columns.",
    version=(1, 3),
    steps=(
        """CREATE TABLE scores (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            row_id TEXT NOT NULL,
            column_index INTEGER NOT NULL,
            repeat INTEGER NOT NULL,
            rubric_version_id TEXT NOT NULL REFERENCES version_contents (version_id),
            passed INTEGER,
            score REAL,
            error TEXT,
            criteria_json TEXT NOT NULL DEFAULT '[]',
            scored_at TEXT NOT NULL,
            PRIMARY KEY (run_id, row_id, column_index, repeat, rubric_version_id)
        )""",
        # Reports read one rubric's scores of one run; the primary key orders by cell first.
        "CREATE INDEX ix_scores_run_rubric ON scores (run_id, rubric_version_id)",
        """CREATE TABLE ratings (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            row_id TEXT NOT NULL,
            column_index INTEGER NOT NULL,
            repeat INTEGER NOT NULL,
            reviewer TEXT NOT NULL,
            passed INTEGER,
            score INTEGER CHECK (score BETWEEN 1 AND 5),
            comment TEXT NOT NULL DEFAULT '',
            tags_json TEXT NOT NULL DEFAULT '[]',
            at TEXT NOT NULL,
            PRIMARY KEY (run_id, row_id, column_index, repeat, reviewer)
        )""",
        """CREATE TABLE preferences (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            row_id TEXT NOT NULL,
            column_a INTEGER NOT NULL,
            column_b INTEGER NOT NULL,
            reviewer TEXT NOT NULL,
            winner TEXT NOT NULL CHECK (winner IN ('a', 'b', 'tie')),
            blinded INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL,
            PRIMARY KEY (run_id, row_id, column_a, column_b, reviewer),
            CHECK (column_a < column_b)
        )""",
    ),
)

_APPROVAL_IMMUTABLE = "SELECT RAISE(ABORT, 'approvals are immutable: approve again instead')"
_BUNDLE_APPEND_ONLY = "SELECT RAISE(ABORT, 'bundle history is an append-only audit trail')"

APPROVALS = Migration(
    name="m005_approvals",
    why="What ships to production must be traceable to evidence: approved bundles (prompt, "
    "persona, model config and rubric versions with the run figures that justified them) are "
    "immutable; revocations live in their own append-only table, bundle labels point at "
    "approvals, and every approval, label move and revocation is kept in an append-only log.",
    version=(1, 4),
    steps=(
        """CREATE TABLE approvals (
            id INTEGER PRIMARY KEY,
            bundle TEXT NOT NULL,
            number INTEGER NOT NULL,
            prompt_id TEXT NOT NULL REFERENCES version_contents (version_id),
            prompt_family TEXT NOT NULL,
            persona_id TEXT REFERENCES version_contents (version_id),
            persona_family TEXT,
            model_id TEXT NOT NULL REFERENCES version_contents (version_id),
            model_family TEXT NOT NULL,
            rubric_id TEXT NOT NULL REFERENCES version_contents (version_id),
            rubric_family TEXT NOT NULL,
            dataset_id TEXT REFERENCES version_contents (version_id),
            run_ids_json TEXT NOT NULL DEFAULT '[]',
            pass_rate REAL,
            mean_score REAL,
            min_pass_rate REAL NOT NULL,
            evidence_json TEXT NOT NULL,
            override_reason TEXT,
            reviewer TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            approved_at TEXT NOT NULL,
            UNIQUE (bundle, number)
        )""",
        """CREATE TABLE approval_revocations (
            approval_id INTEGER PRIMARY KEY REFERENCES approvals (id),
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        """CREATE TABLE bundle_labels (
            bundle TEXT NOT NULL,
            label TEXT NOT NULL,
            approval_id INTEGER NOT NULL REFERENCES approvals (id),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (bundle, label)
        )""",
        """CREATE TABLE bundle_events (
            id INTEGER PRIMARY KEY,
            bundle TEXT NOT NULL,
            action TEXT NOT NULL
                CHECK (action IN ('approved', 'label-set', 'label-removed', 'revoked')),
            label TEXT,
            approval_id INTEGER REFERENCES approvals (id),
            from_approval_id INTEGER REFERENCES approvals (id),
            reason TEXT NOT NULL DEFAULT '',
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX ix_bundle_events_bundle ON bundle_events (bundle, id)",
        f"CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals "
        f"BEGIN {_APPROVAL_IMMUTABLE}; END",
        f"CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals "
        f"BEGIN {_APPROVAL_IMMUTABLE}; END",
        f"CREATE TRIGGER approval_revocations_no_update BEFORE UPDATE ON approval_revocations "
        f"BEGIN {_BUNDLE_APPEND_ONLY}; END",
        f"CREATE TRIGGER approval_revocations_no_delete BEFORE DELETE ON approval_revocations "
        f"BEGIN {_BUNDLE_APPEND_ONLY}; END",
        f"CREATE TRIGGER bundle_events_no_update BEFORE UPDATE ON bundle_events "
        f"BEGIN {_BUNDLE_APPEND_ONLY}; END",
        f"CREATE TRIGGER bundle_events_no_delete BEFORE DELETE ON bundle_events "
        f"BEGIN {_BUNDLE_APPEND_ONLY}; END",
    ),
)

_CONVERSATION_KEY = """run_id INTEGER NOT NULL REFERENCES simulation_runs (id) ON DELETE CASCADE,
            case_id TEXT NOT NULL,
            column_index INTEGER NOT NULL,
            customer_index INTEGER NOT NULL,
            repeat INTEGER NOT NULL"""

CONVERSATIONS = Migration(
    name="m007_conversations",
    why="Simulations run whole conversations, not single cells: a simulation run references "
    "version ids like a run; each conversation (case x customer x column x repeat) keeps its "
    "end, and each transcript message is stored as soon as it exists, so a killed simulation "
    "resumes from the last finished turn without calling it again. Scores per conversation "
    "and rubric version sit beside them.",
    version=(1, 7),
    steps=(
        """CREATE TABLE simulation_runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            spec_json TEXT NOT NULL,
            columns_json TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            estimated_cost_usd REAL
        )""",
        f"""CREATE TABLE conversations (
            {_CONVERSATION_KEY},
            status TEXT NOT NULL,
            stop_reason TEXT,
            error_kind TEXT,
            error_message TEXT,
            finished_at TEXT,
            PRIMARY KEY (run_id, case_id, column_index, customer_index, repeat)
        )""",
        f"""CREATE TABLE conversation_messages (
            {_CONVERSATION_KEY},
            idx INTEGER NOT NULL,
            turn INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('customer', 'assistant')),
            content TEXT NOT NULL,
            scripted INTEGER NOT NULL DEFAULT 0,
            input_tokens INTEGER,
            output_tokens INTEGER,
            latency_ms REAL,
            cost_usd REAL,
            cache_hit INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            finished_at TEXT,
            PRIMARY KEY (run_id, case_id, column_index, customer_index, repeat, idx)
        )""",
        f"""CREATE TABLE conversation_scores (
            {_CONVERSATION_KEY},
            rubric_version_id TEXT NOT NULL DEFAULT '',
            passed INTEGER,
            score_json TEXT NOT NULL,
            scored_at TEXT NOT NULL,
            PRIMARY KEY (run_id, case_id, column_index, customer_index, repeat, rubric_version_id)
        )""",
    ),
)

_LOG_APPEND_ONLY = "SELECT RAISE(ABORT, 'conversation logs are append-only: import again instead')"

CONVERSATION_LOGS = Migration(
    name="m009_conversation_logs",
    why="Production conversation logs are imported (already anonymised) so botmasters can find "
    "unanswered questions and knowledge-base gaps: messages are stored row-wise and append-only "
    "(a re-import adds nothing twice thanks to a per-message fingerprint), an import records "
    "its progress so a stopped import resumes, an FTS5 index searches the anonymised text, and "
    "analyses keep their cluster assignment so a cluster can become a dataset later.",
    version=(1, 9),
    steps=(
        """CREATE TABLE log_imports (
            id INTEGER PRIMARY KEY,
            family TEXT NOT NULL,
            source_name TEXT NOT NULL,
            source_sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            options_json TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'done')),
            lines_done INTEGER NOT NULL DEFAULT 0,
            messages INTEGER NOT NULL DEFAULT 0,
            report_json TEXT NOT NULL DEFAULT '{}',
            version_id TEXT REFERENCES version_contents (version_id),
            started_at TEXT NOT NULL,
            finished_at TEXT,
            UNIQUE (family, source_sha256, options_json)
        )""",
        """CREATE TABLE log_messages (
            id INTEGER PRIMARY KEY,
            family TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES log_imports (id),
            conversation TEXT NOT NULL,
            at TEXT,
            role TEXT NOT NULL,
            text TEXT NOT NULL,
            channel TEXT,
            intent TEXT,
            rating REAL,
            handoff INTEGER,
            source_line INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            UNIQUE (family, fingerprint)
        )""",
        "CREATE INDEX ix_log_messages_conversation ON log_messages (family, conversation, id)",
        f"CREATE TRIGGER log_messages_no_update BEFORE UPDATE ON log_messages "
        f"BEGIN {_LOG_APPEND_ONLY}; END",
        f"CREATE TRIGGER log_messages_no_delete BEFORE DELETE ON log_messages "
        f"BEGIN {_LOG_APPEND_ONLY}; END",
        """CREATE VIRTUAL TABLE log_messages_fts USING fts5(
            text, content='log_messages', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )""",
        """CREATE TRIGGER log_messages_fts_insert AFTER INSERT ON log_messages BEGIN
            INSERT INTO log_messages_fts (rowid, text) VALUES (new.id, new.text);
        END""",
        """CREATE TABLE log_analyses (
            id INTEGER PRIMARY KEY,
            family TEXT NOT NULL,
            version_id TEXT NOT NULL,
            params_json TEXT NOT NULL,
            result_json TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE log_analysis_turns (
            analysis_id INTEGER NOT NULL REFERENCES log_analyses (id) ON DELETE CASCADE,
            message_id INTEGER NOT NULL,
            cluster INTEGER NOT NULL,
            unanswered INTEGER NOT NULL,
            PRIMARY KEY (analysis_id, message_id)
        )""",
        "CREATE INDEX ix_log_analysis_turns_cluster ON log_analysis_turns (analysis_id, cluster)",
    ),
)

BATCH_RUNS = Migration(
    name="m010_batch_runs",
    why="Runs can be sent through the providers' batch APIs (half price, results within 24 h): "
    "a run's cells are split into provider batches whose ids must survive the program closing, "
    "so any later process can poll and collect them. batch_jobs holds one row per provider "
    "batch and its last known progress; batch_requests maps each custom id to its cell and the "
    "response-cache key its answer is stored under.",
    version=(1, 10),
    steps=(
        """CREATE TABLE batch_jobs (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            provider TEXT NOT NULL,
            model_id TEXT NOT NULL,
            batch_id TEXT,
            state TEXT NOT NULL
                CHECK (state IN ('submitting', 'submitted', 'collected', 'failed')),
            provider_status TEXT,
            total INTEGER NOT NULL,
            done INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            message TEXT,
            created_at TEXT NOT NULL,
            polled_at TEXT,
            collected_at TEXT
        )""",
        "CREATE INDEX ix_batch_jobs_run ON batch_jobs (run_id)",
        "CREATE INDEX ix_batch_jobs_state ON batch_jobs (state)",
        """CREATE TABLE batch_requests (
            job_id INTEGER NOT NULL REFERENCES batch_jobs (id),
            custom_id TEXT NOT NULL,
            row_id TEXT NOT NULL,
            column_index INTEGER NOT NULL,
            repeat INTEGER NOT NULL,
            cache_key TEXT NOT NULL,
            PRIMARY KEY (job_id, custom_id)
        )""",
    ),
)

_SIGNOFF_APPEND_ONLY = "SELECT RAISE(ABORT, 'sign-offs are an append-only audit trail')"
_SAME_PERSON = "a bundle proposed for review must be signed off by someone other than its proposer"


def _signoff_by_another_person(connection: Connection) -> None:
    """The database refuses a sign-off by the approval's own proposer (both backends)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION workbench_signoff_guard() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " IF lower(trim(NEW.reviewer)) = (SELECT lower(trim(reviewer)) FROM approvals"
            "  WHERE id = NEW.approval_id) THEN"
            f"  RAISE EXCEPTION '{_SAME_PERSON}'; END IF;"
            " IF (SELECT requires_reviewer FROM approvals WHERE id = NEW.approval_id) = 0 THEN"
            "  RAISE EXCEPTION 'this approval was not proposed for review'; END IF;"
            " RETURN NEW; END $$"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER approval_signoffs_other_person BEFORE INSERT ON approval_signoffs"
            " FOR EACH ROW EXECUTE FUNCTION workbench_signoff_guard()"
        )
        return
    connection.exec_driver_sql(
        "CREATE TRIGGER approval_signoffs_other_person BEFORE INSERT ON approval_signoffs"
        " WHEN lower(trim(NEW.reviewer)) = (SELECT lower(trim(reviewer)) FROM approvals"
        "  WHERE id = NEW.approval_id)"
        f" BEGIN SELECT RAISE(ABORT, '{_SAME_PERSON}'); END"
    )
    connection.exec_driver_sql(
        "CREATE TRIGGER approval_signoffs_needs_review BEFORE INSERT ON approval_signoffs"
        " WHEN (SELECT requires_reviewer FROM approvals WHERE id = NEW.approval_id) = 0"
        " BEGIN SELECT RAISE(ABORT, 'this approval was not proposed for review'); END"
    )


SHARED_STORE = Migration(
    name="m011_shared_store",
    why="Several people share one store (PostgreSQL): runs, simulations and log imports say who "
    "made them (versions, label moves and approvals already do), and an approval can require a "
    "second person: it is recorded as proposed, and counts only once someone other than its "
    "proposer signs off on its recorded evidence (append-only sign-offs, checked by the "
    "database).",
    version=(1, 11),
    steps=(
        "ALTER TABLE runs ADD COLUMN made_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE simulation_runs ADD COLUMN made_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE log_imports ADD COLUMN made_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE log_analyses ADD COLUMN made_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE approvals ADD COLUMN requires_reviewer INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE approval_signoffs (
            approval_id INTEGER PRIMARY KEY REFERENCES approvals (id),
            reviewer TEXT NOT NULL CHECK (length(trim(reviewer)) > 0),
            evidence_sha256 TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        )""",
        f"CREATE TRIGGER approval_signoffs_no_update BEFORE UPDATE ON approval_signoffs "
        f"BEGIN {_SIGNOFF_APPEND_ONLY}; END",
        f"CREATE TRIGGER approval_signoffs_no_delete BEFORE DELETE ON approval_signoffs "
        f"BEGIN {_SIGNOFF_APPEND_ONLY}; END",
        _signoff_by_another_person,
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    INITIAL,
    LABEL_AUDIT,
    FAMILY_DESCRIPTIONS,
    SCORES_AND_REVIEWS,
    APPROVALS,
    CONVERSATIONS,
    CONVERSATION_LOGS,
    BATCH_RUNS,
    SHARED_STORE,
)
SCHEMA_VERSION: tuple[int, int] = MIGRATIONS[-1].version


@dataclass(frozen=True)
class SchemaState:
    """What an opened file says about itself.

    Attributes:
        version: (major, minor) from ``schema_meta``, or None for a blank file.
        applied: names of the migrations already applied.
        other_tables: tables present in a file without ``schema_meta``.
    """

    version: tuple[int, int] | None
    applied: frozenset[str]
    other_tables: tuple[str, ...] = ()


def read_schema_state(connection: Connection) -> SchemaState:
    """Read the schema version and applied migrations of the connected file."""
    if connection.dialect.name == "postgresql":
        from workbench.store.postgres import table_names

        tables = table_names(connection)
    else:
        tables = {
            name
            for (name,) in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
    if "schema_meta" not in tables:
        return SchemaState(version=None, applied=frozenset(), other_tables=tuple(sorted(tables)))
    row = connection.exec_driver_sql("SELECT major, minor FROM schema_meta WHERE id = 1").first()
    version = None if row is None else (int(row[0]), int(row[1]))
    applied = frozenset(
        name for (name,) in connection.exec_driver_sql("SELECT name FROM schema_migrations")
    )
    return SchemaState(version=version, applied=applied)


def apply_migrations(
    connection: Connection,
    migrations: Sequence[Migration],
    *,
    applied: frozenset[str] = frozenset(),
    at: datetime | None = None,
) -> list[str]:
    """Apply the migrations not in `applied`, in order, inside the caller's transaction.

    Returns the names applied. The schema version only moves forward: a file already at a
    newer minor (written by a newer program of the same major) keeps its version.
    """
    stamp = to_db_time(at or now_utc())
    done: list[str] = []
    on_postgres = connection.dialect.name == "postgresql"
    for migration in migrations:
        if migration.name in applied:
            continue
        for step in migration.steps:
            if isinstance(step, str) and on_postgres:
                from workbench.store.postgres import pg_statements

                for statement in pg_statements(step):
                    connection.exec_driver_sql(statement)
            elif isinstance(step, str):
                connection.exec_driver_sql(step)
            else:
                step(connection)
        connection.exec_driver_sql(
            "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
            (migration.name, stamp),
        )
        connection.exec_driver_sql(
            """INSERT INTO schema_meta (id, major, minor, updated_at) VALUES (1, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET major = excluded.major, minor = excluded.minor,
                updated_at = excluded.updated_at
            WHERE (excluded.major, excluded.minor) > (schema_meta.major, schema_meta.minor)""",
            (*migration.version, stamp),
        )
        done.append(migration.name)
    return done


def backup_path_for(path: Path, from_version: tuple[int, int], at: datetime) -> Path:
    """``<stem>.backup-<major.minor>-<UTC timestamp>.sqlite`` beside the database."""
    stamp = at.strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.stem}.backup-{from_version[0]}.{from_version[1]}-{stamp}.sqlite")


def refusal_for(
    path: Path | str,
    version: tuple[int, int] | None,
    other_tables: Sequence[str],
    newest: tuple[int, int] = SCHEMA_VERSION,
) -> KnownError | None:
    """Why a file cannot be opened at all (not ours, or a newer major schema), or None."""
    if version is None and other_tables:
        listed = ", ".join(other_tables[:8])
        if isinstance(path, str):
            return KnownError(
                f"the database {path} is not a Prompt Workbench one (it has tables {listed}"
                " and no schema_meta); point the workspace at an empty database"
            )
        return KnownError(
            f"{path} is an SQLite database but not a Prompt Workbench one "
            f"(it has tables {listed} and no schema_meta); open or create another file"
        )
    if version is not None and version[0] > newest[0]:
        major, minor = version
        return SchemaTooNewError(
            f"{path} was written by a newer Prompt Workbench (schema {major}.{minor};"
            f" this one reads up to {newest[0]}.x) — upgrade Prompt Workbench to open it."
            f" The {'database' if isinstance(path, str) else 'file'} was not changed."
        )
    return None


def migrate(database: Database, migrations: Sequence[Migration] = MIGRATIONS) -> Path | None:
    """Bring the file up to date; returns the backup taken, if any.

    Raises:
        SchemaTooNewError: the file's major version is newer than this program's.
        KnownError: the file holds tables but is not a Prompt Workbench database.
    """
    newest = migrations[-1].version
    with database.write() as connection:
        # The write lock is held from here, so two programs opening the same file cannot both
        # migrate it; the backup below reads the last committed state, i.e. the unmigrated file.
        state = read_schema_state(connection)
        where = database.path if database.backend == "sqlite" else database.label
        refusal = refusal_for(where, state.version, state.other_tables, newest)
        if refusal is not None:
            raise refusal
        pending = [m for m in migrations if m.name not in state.applied]
        if not pending:
            return None
        backup = None
        if state.version is not None and database.backend == "sqlite":
            # PostgreSQL runs the DDL in the transaction: a failure leaves the schema as it was.
            moment = now_utc()
            backup = backup_path_for(database.path, state.version, moment)
            backup_file(database.path, backup)
        apply_migrations(connection, pending, applied=state.applied)
    return backup
