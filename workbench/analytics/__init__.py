"""Analyses of stored conversation logs: per-conversation figures, KPIs, topic clusters."""
