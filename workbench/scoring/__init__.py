"""Scoring: rubrics of weighted criteria, register checks for personas, LLM-as-judge, human
reviews and statistics for comparing versions.

* `workbench.scoring.rubric` — `score_output` / `score_output_sync`, `validate_rubric`;
* `workbench.scoring.registry` — which code scores which ``CriterionSpec.kind``;
* `workbench.scoring.criteria` — the deterministic kinds (text, JSON, measures, fuzzy, refusal);
* `workbench.scoring.register` and `workbench.scoring.address` — persona register checks;
* `workbench.scoring.judge` — the ``llm-judge`` kind, called through an injected `JudgeCall`;
* `workbench.scoring.promptfoo_asserts` — rubrics from promptfoo ``assert:`` entries;
* `workbench.scoring.stats` — per-column figures, comparisons, repeats, judge calibration;
* `workbench.scoring.human` — human ratings and pairwise preferences.

Scoring never imports providers, the store or the engine: the judge receives a callable.
"""
