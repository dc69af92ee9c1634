"""Character-level diffs of a run's noisy variants, for the results view's cell detail.

`load_variant_diffs` reads the run's variant links on a worker thread and hands the results
view one HTML block per variant row; runs without variants cost one small read.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from workbench.app.robustness import VariantLink, variant_links
from workbench.gui.background_jobs import BackgroundJobs
from workbench.gui.views.results_view import ResultsView

if TYPE_CHECKING:
    from workbench.app.records import Store


def diff_html(link: VariantLink) -> str:
    """The variant's text with removed characters struck in red and added ones in green."""
    parts = []
    for piece in link.diff():
        text = escape(piece.text).replace("\n", "<br/>")
        if piece.op == "equal":
            parts.append(text)
        elif piece.op == "delete":
            parts.append(f"<del style='color:#c0392b; background:#fbe3e1'>{text}</del>")
        else:
            parts.append(f"<ins style='color:#1e7d32; background:#e3f4e4'>{text}</ins>")
    return "".join(parts)


def variant_block(link: VariantLink) -> str:
    """The detail block of one variant: which perturbation, and the diff to the original."""
    return (
        f"<h4>Noisy variant of {escape(link.original_id)} ({escape(link.kind)})</h4>"
        f"<p><small>{escape(link.field)}: removed <del>struck</del>, added"
        f" <ins>underlined</ins></small><br/>{diff_html(link)}</p>"
    )


def load_variant_diffs(jobs: BackgroundJobs, view: ResultsView, run_id: int) -> None:
    """Fill `view.variant_diffs` for run `run_id` once its variant links are read."""

    def read(store: Store, _progress: object) -> dict[str, str]:
        run = store.get_run(run_id)
        links = variant_links(store, run.spec.dataset_id, run.spec.row_ids)
        return {link.variant_id: variant_block(link) for link in links}

    job = jobs.submit(read)

    def done(job_id: int, result: object) -> None:
        if job_id != job:
            return
        jobs.job_succeeded.disconnect(done)
        if isinstance(result, dict) and result:
            view.set_variant_diffs(result)

    jobs.job_succeeded.connect(done)
