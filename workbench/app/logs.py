"""Conversation-log use cases shared by the CLI and the GUI: import, list, show, analyse, and
turn customer questions into a dataset.

Import is streaming and two-pass: the first pass hashes the file and checks every line (a bad
line refuses the whole file unless ``skip_bad``), the second anonymises batches with the
`Redactor` and writes them with a checkpoint, so memory stays flat, an interrupted import
resumes at its checkpoint, and importing the same file again adds nothing. Raw text only ever
exists in memory between reading a batch and anonymising it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.analytics.clusters import Reservoir, fit_clusters
from workbench.analytics.conversations import (
    KpiAccumulator,
    QuestionTurn,
    analyse_conversation,
    group_conversations,
)
from workbench.core.errors import KnownError, NotFoundError, ValidationError
from workbench.core.logs import (
    Cluster,
    ConversationSummary,
    LogAnalysis,
    LogMessage,
    NewLogMessage,
)
from workbench.core.models import (
    DatasetContent,
    DatasetRow,
    Kind,
    LogImportContent,
    Version,
    validate_name,
)
from workbench.interop.conversation_logs import BadLine, LogRecord, detect_format, iter_log_records
from workbench.privacy.redactor import RedactionItem, Redactor

if TYPE_CHECKING:
    from workbench.app.logs_judge import LogJudgement
    from workbench.store import Store

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: phase is ``checking`` or ``importing``, counts in lines."""

BAD_LINES_SHOWN = 20


class CancelToken(Protocol):
    """Anything with ``is_set()`` (a `threading.Event`)."""

    def is_set(self) -> bool: ...


class LogFileError(KnownError):
    """Lines of a log file cannot be read; nothing was imported.

    Attributes:
        path: the file. bad: every bad line (line number and reason).
    """

    def __init__(self, path: Path, bad: list[BadLine], total_bad: int) -> None:
        self.path = path
        self.bad = bad
        shown = "\n".join(f"  {path}:{b.line}: {b.reason}" for b in bad[:BAD_LINES_SHOWN])
        more = total_bad - min(len(bad), BAD_LINES_SHOWN)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(
            f"{path}: {total_bad} line(s) cannot be read, so nothing was imported "
            f"(use --skip-bad to import the other lines):\n{shown}{tail}"
        )


@dataclass
class LogImportResult:
    """What an import did."""

    family: str
    path: Path
    format: str
    version: Version | None
    created: bool
    status: str  # imported | already-imported | stopped
    resumed_from_line: int
    lines: int
    messages_read: int
    messages_added: int
    conversations: int
    skipped: list[BadLine] = field(default_factory=list)
    replacements: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "file": str(self.path),
            "format": self.format,
            "status": self.status,
            "version": None if self.version is None else self.version.ref,
            "version_id": None if self.version is None else self.version.id,
            "created": self.created,
            "resumed_from_line": self.resumed_from_line,
            "lines": self.lines,
            "messages_read": self.messages_read,
            "messages_added": self.messages_added,
            "conversations": self.conversations,
            "skipped_lines": [{"line": b.line, "reason": b.reason} for b in self.skipped],
            "replacements": self.replacements,
            "warnings": self.warnings,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise KnownError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.hexdigest()


def _check_file(
    path: Path, fmt: str, progress: Progress | None, cancel: CancelToken | None
) -> tuple[int, list[BadLine], int]:
    """(last line number, bad lines kept, bad line count); refuses a file with no good line
    because every line misses the same field."""
    last = 0
    bad: list[BadLine] = []
    total_bad = 0
    good = 0
    missing_everywhere: set[str] | None = None
    for item in iter_log_records(path, fmt):
        last = max(last, item.line)
        if isinstance(item, BadLine):
            total_bad += 1
            if len(bad) < 10_000:
                bad.append(item)
            if item.missing:
                found = set(item.missing)
                missing_everywhere = (
                    found if missing_everywhere is None else missing_everywhere & found
                )
        else:
            good += 1
        if progress is not None and last % 20_000 == 0:
            progress("checking", last, 0)
        if cancel is not None and last % 5_000 == 0 and cancel.is_set():
            raise KnownError("import cancelled before anything was written")
    if good == 0 and total_bad and missing_everywhere:
        names = ", ".join(sorted(m.replace("_", " ") for m in missing_everywhere))
        raise ValidationError(
            f"{path}: no line has a {names}; a {fmt} log needs a conversation id, a timestamp,"
            " a role and the text on every message (see docs/conversation-logs.md)"
        )
    return last, bad, total_bad


def _fingerprint(record: LogRecord, text: str, index: int) -> str:
    key = "\x1f".join(
        (
            record.conversation,
            record.at or "",
            record.role,
            text,
            str(index) if not record.at else "",
        )
    )
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()


def import_log(
    store: Store,
    path: Path,
    *,
    family: str,
    fmt: str | None = None,
    skip_bad: bool = False,
    keep_orders: bool = True,
    use_ner: bool = True,
    author: str = "",
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    batch_lines: int = 2000,
    redactor: Redactor | None = None,
) -> LogImportResult:
    """Import a conversation log file into log family `family`, anonymised, append-only.

    Raises:
        LogFileError: bad lines and not `skip_bad` (nothing written).
        FileFormatError / ValidationError: unreadable file, missing columns or fields.
    """
    path = Path(path)
    validate_name(family)
    if not path.is_file():
        raise KnownError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    sha = file_sha256(path)
    last_line, bad, total_bad = _check_file(path, fmt, progress, cancel)
    if total_bad and not skip_bad:
        raise LogFileError(path, bad, total_bad)
    redactor = redactor or Redactor(keep_orders=keep_orders, use_ner=use_ner)
    options = {"format": fmt, **redactor.options}
    existing = store.find_log_import(family, sha, options)
    if existing is None:
        # Messages are recognised by their anonymised text: the same file anonymised with other
        # options would be stored a second time, so that is refused.
        other = next((i for i in store.log_imports(family) if i.source_sha256 == sha), None)
        if other is not None:
            raise ValidationError(
                f"{path.name} was already imported into log '{family}' with other anonymisation"
                f" options ({_describe_options(other.options)}; now"
                f" {_describe_options(options)}): import it into another log instead"
            )
    if existing is not None and existing.status == "done":
        version = store.get_version(existing.version_id) if existing.version_id else None
        return LogImportResult(
            family=family,
            path=path,
            format=fmt,
            version=version,
            created=False,
            status="already-imported",
            resumed_from_line=0,
            lines=last_line,
            messages_read=0,
            messages_added=0,
            conversations=int(existing.report.get("conversations", 0)),
            skipped=bad,
            replacements=dict(existing.report.get("replacements", {})),
            warnings=list(redactor.report.warnings),
        )
    state = existing or store.start_log_import(
        family, source_name=path.name, source_sha256=sha, fmt=fmt, options=options
    )
    resumed_from = state.lines_done
    counts: dict[str, int] = dict(state.report.get("replacements", {}))
    read = 0
    added = 0
    stopped = False
    for batch, lines_done in _batches(path, fmt, resumed_from, batch_lines):
        texts = redactor.redact_batch([RedactionItem(r.conversation, r.text) for r, _ in batch])
        messages = [
            NewLogMessage(
                conversation=record.conversation,
                role=record.role,
                text=text,
                at=record.at,
                channel=record.channel,
                intent=record.intent,
                rating=record.rating,
                handoff=record.handoff,
                source_line=record.line,
                fingerprint=_fingerprint(record, text, index),
            )
            for (record, index), text in zip(batch, texts, strict=True)
        ]
        total_counts = dict(counts)
        for kind, n in redactor.report.replacements.items():
            total_counts[kind] = total_counts.get(kind, 0) + n
        added += store.append_log_messages(
            state.id,
            family,
            messages,
            lines_done=lines_done,
            report={"replacements": total_counts},
        )
        read += len(messages)
        if progress is not None:
            progress("importing", lines_done, last_line)
        if cancel is not None and cancel.is_set():
            stopped = True
            break
    for kind, n in redactor.report.replacements.items():
        counts[kind] = counts.get(kind, 0) + n
    if stopped:
        return LogImportResult(
            family=family,
            path=path,
            format=fmt,
            version=None,
            created=False,
            status="stopped",
            resumed_from_line=resumed_from,
            lines=last_line,
            messages_read=read,
            messages_added=added,
            conversations=0,
            skipped=bad,
            replacements=counts,
            warnings=list(redactor.report.warnings),
        )
    conversations = store.log_import_conversation_count(state.id)
    head = _head(store, family)
    content = LogImportContent(
        previous=head.id if head else None,
        source_name=path.name,
        source_sha256=sha,
        format=fmt,
        options=options,
        messages=store.log_import_message_count(state.id),
        conversations=conversations,
        skipped_lines=tuple(b.line for b in bad),
        replacements=dict(sorted(counts.items())),
    )
    saved = store.save_version(
        Kind.LOG, family, content, author=author, note=f"Imported {path.name}"
    )
    store.finish_log_import(
        state.id,
        version_id=saved.version.id,
        report={"replacements": counts, "conversations": conversations},
    )
    return LogImportResult(
        family=family,
        path=path,
        format=fmt,
        version=saved.version,
        created=saved.created,
        status="imported",
        resumed_from_line=resumed_from,
        lines=last_line,
        messages_read=read,
        messages_added=added,
        conversations=conversations,
        skipped=bad,
        replacements=counts,
        warnings=list(redactor.report.warnings),
    )


def _describe_options(options: dict[str, Any]) -> str:
    ner = options.get("ner") or "no NER"
    orders = "order numbers kept" if options.get("keep_orders", True) else "order numbers redacted"
    return f"{ner}, {orders}"


def _head(store: Store, family: str) -> Version | None:
    try:
        return store.resolve(Kind.LOG, family)
    except NotFoundError:
        return None


def _batches(
    path: Path, fmt: str, after_line: int, batch_lines: int
) -> Iterator[tuple[list[tuple[LogRecord, int]], int]]:
    """Good records after `after_line` in batches that end on a line boundary, each with the
    last line it covers (the checkpoint) and the record's index within its line."""
    batch: list[tuple[LogRecord, int]] = []
    batch_start = None
    current_line = after_line
    index = 0
    for item in iter_log_records(path, fmt):
        if item.line <= after_line:
            continue
        if item.line != current_line:
            if batch and batch_start is not None and current_line - batch_start + 1 >= batch_lines:
                yield batch, current_line
                batch = []
                batch_start = None
            current_line = item.line
            index = 0
        if isinstance(item, BadLine):
            continue
        if batch_start is None:
            batch_start = item.line
        batch.append((item, index))
        index += 1
    if batch or current_line > after_line:
        yield batch, current_line


# Reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogInfo:
    """One log family for lists."""

    family: str
    version: Version | None
    imports: int
    messages: int
    conversations: int
    running: int


def list_logs(store: Store) -> list[LogInfo]:
    """Every log family with its head version and sizes."""
    out = []
    imports = store.log_imports()
    for family in sorted({i.family for i in imports}):
        mine = [i for i in imports if i.family == family]
        out.append(
            LogInfo(
                family=family,
                version=_head(store, family),
                imports=len(mine),
                messages=store.log_message_count(family),
                conversations=store.log_conversation_count(family),
                running=sum(i.status == "running" for i in mine),
            )
        )
    return out


def require_log(store: Store, family: str) -> None:
    if not any(i.family == family for i in store.log_imports(family)):
        raise NotFoundError(f"no conversation log named '{family}' (see `workbench logs list`)")


def show_conversation(
    store: Store, family: str, conversation: str
) -> tuple[ConversationSummary, list[LogMessage], list[QuestionTurn]]:
    """A conversation's anonymised transcript, figures and which customer turns went unanswered."""
    require_log(store, family)
    messages = store.conversation_messages(family, conversation)
    summary, turns = analyse_conversation(messages)
    return summary, messages, turns


def list_conversations(
    store: Store,
    family: str,
    *,
    search: str = "",
    limit: int = 500,
    unanswered_only: bool = False,
) -> list[ConversationSummary]:
    """Conversations (optionally matching an FTS search over anonymised text), with figures."""
    require_log(store, family)
    if search.strip():
        hits = store.search_log_messages(family, search, limit=limit * 4)
        ids: list[str] = []
        for hit in hits:
            if hit.conversation not in ids:
                ids.append(hit.conversation)
        summaries = [
            analyse_conversation(store.conversation_messages(family, c))[0] for c in ids[:limit]
        ]
    else:
        summaries = []
        for messages in group_conversations(store.iter_log_messages(family)):
            summary = analyse_conversation(messages)[0]
            if unanswered_only and not summary.unanswered:
                continue
            summaries.append(summary)
            if len(summaries) >= limit:
                break
    if unanswered_only:
        summaries = [s for s in summaries if s.unanswered]
    return summaries


# Analysis ------------------------------------------------------------------------------------


def analyse_log(
    store: Store,
    family: str,
    *,
    period: str = "day",
    clusters: int | None = None,
    max_fit: int = 20_000,
    satisfied_from: float = 4.0,
    embeddings: str | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    judgement: LogJudgement | None = None,
) -> LogAnalysis:
    """Figures, KPIs by `period`, topic clusters and knowledge-base gaps of a log; the cluster
    of each customer turn is stored so a cluster can later become a dataset.

    With `judgement` (`workbench.app.logs_judge.judge_log`, judge mode) the judge's verdicts
    decide which turns are unanswered; pairs it did not decide use the deterministic detector.
    Clusters come from TF-IDF on the CPU, or, with `embeddings` (a model config name), from
    that model's embeddings of the anonymised questions (`LogEmbedder`: batched, cached).
    """
    if period not in {"day", "week", "month"}:
        raise ValidationError(f"period must be day, week or month, not '{period}'")
    require_log(store, family)
    head = _head(store, family)
    if head is None:
        raise NotFoundError(f"log '{family}' has no finished import yet")
    embedder = None
    if embeddings:
        from workbench.app.log_embeddings import EMBEDDING_FIT, LogEmbedder

        # Built first, so a model without embeddings is refused before the long read.
        embedder = LogEmbedder(store, embeddings, progress=progress, cancel=cancel)
        max_fit = min(max_fit, EMBEDDING_FIT)
    total = store.log_message_count(family)
    kpis = KpiAccumulator(period, satisfied_from)
    sample = Reservoir(max_fit)
    conversations = messages_seen = user_turns = unanswered = handoffs = 0
    rated = satisfied = 0
    turn_ids: list[int] = []
    turn_flags: list[bool] = []
    for messages in group_conversations(store.iter_log_messages(family)):
        summary, turns = analyse_conversation(
            messages, judge=judgement.decide if judgement is not None else None
        )
        kpis.add(summary)
        conversations += 1
        messages_seen += len(messages)
        user_turns += summary.user_turns
        unanswered += summary.unanswered
        handoffs += int(summary.handoff)
        if summary.rating is not None:
            rated += 1
            satisfied += int(summary.rating >= satisfied_from)
        for turn in turns:
            sample.add(turn.text)
            turn_ids.append(turn.message_id)
            turn_flags.append(turn.unanswered)
        if progress is not None and conversations % 2000 == 0:
            progress("analysing", messages_seen, total)
        if cancel is not None and conversations % 2000 == 0 and cancel.is_set():
            raise KnownError("analysis cancelled")
    if embedder is not None:
        from workbench.analytics.embedding_clusters import fit_embedding_clusters

        model: Any = fit_embedding_clusters(sample.items, embedder, k=clusters)
    else:
        model = fit_clusters(sample.items, k=clusters)
    assignment: list[tuple[int, int, bool]] = []
    found: list[Cluster] = []
    if model is not None:
        flags = dict(zip(turn_ids, turn_flags, strict=True))
        chunk: list[LogMessage] = []
        for message in _user_messages(store, family, set(turn_ids)):
            chunk.append(message)
            if len(chunk) >= 5000:
                _assign(model, chunk, flags, assignment)
                chunk = []
                if progress is not None:
                    progress("clustering", len(assignment), len(turn_ids))
                if cancel is not None and cancel.is_set():
                    raise KnownError("analysis cancelled")
        if chunk:
            _assign(model, chunk, flags, assignment)
        for cluster in range(model.k):
            if not model.sizes or not model.sizes[cluster]:
                continue
            examples = model.examples(cluster)
            found.append(
                Cluster(
                    id=cluster,
                    label=examples[0] if examples else " ".join(model.terms(cluster)),
                    size=model.sizes[cluster],
                    unanswered=model.unanswered[cluster],
                    examples=examples,
                    terms=model.terms(cluster),
                )
            )
        found.sort(key=lambda c: -c.size)
    analysis = LogAnalysis(
        family=family,
        version_id=head.id,
        conversations=conversations,
        messages=messages_seen,
        user_turns=user_turns,
        unanswered_turns=unanswered,
        handoffs=handoffs,
        containment=(conversations - handoffs) / conversations if conversations else 0.0,
        csat=satisfied / rated if rated else None,
        kpis=kpis.points(),
        clusters=found,
        period=period,
        unanswered_judge=judgement.as_json() if judgement is not None else None,
        clustering=f"embeddings:{embeddings}" if embeddings else "tfidf",
    )
    analysis.analysis_id = store.save_log_analysis(
        family,
        head.id,
        params={
            "period": period,
            "clusters": clusters,
            "max_fit": max_fit,
            "unanswered": "judge" if judgement is not None else "deterministic",
            "embeddings": embeddings,
        },
        result=analysis_json(analysis),
        turns=assignment,
    )
    return analysis


def _user_messages(store: Store, family: str, wanted: set[int]) -> Iterator[LogMessage]:
    for message in store.iter_log_messages(family):
        if message.id in wanted:
            yield message


def _assign(
    model: Any,
    chunk: list[LogMessage],
    flags: dict[int, bool],
    out: list[tuple[int, int, bool]],
) -> None:
    labels = model.assign([m.text for m in chunk], [flags[m.id] for m in chunk])
    out.extend((m.id, label, flags[m.id]) for m, label in zip(chunk, labels, strict=True))


def analysis_json(analysis: LogAnalysis) -> dict[str, Any]:
    """The analysis as plain JSON (CLI ``--json`` and the stored result)."""
    return {
        "family": analysis.family,
        "version_id": analysis.version_id,
        "analysis_id": analysis.analysis_id,
        "conversations": analysis.conversations,
        "messages": analysis.messages,
        "user_turns": analysis.user_turns,
        "unanswered_turns": analysis.unanswered_turns,
        "unanswered_rate": (
            analysis.unanswered_turns / analysis.user_turns if analysis.user_turns else 0.0
        ),
        "unanswered_judge": analysis.unanswered_judge,
        "handoffs": analysis.handoffs,
        "handoff_rate": analysis.handoffs / analysis.conversations
        if analysis.conversations
        else 0.0,
        "containment": analysis.containment,
        "csat": analysis.csat,
        "period": analysis.period,
        "clustering": analysis.clustering,
        "kpis": [vars_of(p) for p in analysis.kpis],
        "clusters": [_cluster_json(c) for c in analysis.clusters],
        "gaps": [c.id for c in analysis.gaps],
    }


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _cluster_json(cluster: Cluster) -> dict[str, Any]:
    data = vars_of(cluster)
    data["examples"] = list(cluster.examples)
    data["terms"] = list(cluster.terms)
    data["unanswered_share"] = cluster.unanswered_share
    data["gap_score"] = cluster.gap_score
    return data


# Questions → dataset --------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetFromLog:
    """The dataset version made from log questions."""

    version: Version
    created: bool
    rows: int


def questions_to_dataset(
    store: Store,
    family: str,
    *,
    dataset: str,
    message_ids: list[int] | None = None,
    cluster: int | None = None,
    unanswered_only: bool = False,
    variable: str = "message",
    author: str = "",
    limit: int = 5000,
) -> DatasetFromLog:
    """Selected customer turns, or a whole cluster of the latest analysis, as a new version of
    dataset `dataset`; each row keeps its source log, conversation and message id.

    Raises:
        ValidationError: neither or both of `message_ids` and `cluster`, nothing selected.
        NotFoundError: no analysis yet (for a cluster), unknown messages.
    """
    require_log(store, family)
    validate_name(dataset)
    if (message_ids is None) == (cluster is None):
        raise ValidationError("choose either message ids or a cluster")
    if cluster is not None:
        latest = store.latest_log_analysis(family)
        if latest is None:
            raise NotFoundError(f"log '{family}' has not been analysed yet: run `logs analyse`")
        analysis_id, _, result = latest
        if cluster not in {c["id"] for c in result["clusters"]}:
            raise NotFoundError(f"the latest analysis of '{family}' has no cluster {cluster}")
        message_ids = store.cluster_message_ids(
            analysis_id, cluster, unanswered_only=unanswered_only
        )
    assert message_ids is not None
    messages = store.log_messages_by_id(message_ids)
    missing = sorted(set(message_ids) - {m.id for m in messages})
    if missing:
        raise NotFoundError(f"log '{family}' has no message(s) {', '.join(map(str, missing[:10]))}")
    messages = [m for m in messages if m.role == "user" and m.text.strip()]
    if not messages:
        raise ValidationError("no customer question selected")
    head = _head(store, family)
    rows = []
    seen_text: set[str] = set()
    for message in messages[:limit]:
        key = " ".join(message.text.lower().split())
        if key in seen_text:
            continue
        seen_text.add(key)
        rows.append(
            DatasetRow(
                id=f"log-{message.id}",
                vars={
                    variable: message.text,
                    "source_log": f"{family}@{head.short_id}" if head else family,
                    "source_conversation": message.conversation,
                    "source_message": message.id,
                },
                tags=("from-log",) + ((f"cluster-{cluster}",) if cluster is not None else ()),
            )
        )
    what = f"cluster {cluster}" if cluster is not None else f"{len(rows)} selected question(s)"
    content = DatasetContent(
        description=f"Customer questions from conversation log '{family}' ({what}).",
        rows=tuple(rows),
    )
    saved = store.save_version(
        Kind.DATASET, dataset, content, author=author, note=f"From log {family}: {what}"
    )
    return DatasetFromLog(version=saved.version, created=saved.created, rows=len(rows))


def latest_analysis(store: Store, family: str) -> dict[str, Any] | None:
    """The newest stored analysis of `family` as `analysis_json` gives it, or None."""
    found = store.latest_log_analysis(family)
    if found is None:
        return None
    analysis_id, _, result = found
    result["analysis_id"] = analysis_id
    return result
