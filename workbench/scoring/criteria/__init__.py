"""Deterministic criterion kinds, one module per family; `workbench.scoring.registry` maps
``CriterionSpec.kind`` to them."""
