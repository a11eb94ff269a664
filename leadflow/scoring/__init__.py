"""Scoring: ICP rules, engagement decay, and the predictive score trained on outcomes."""
