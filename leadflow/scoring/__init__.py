"""Scoring: fit against the ICP, engagement decay, qualification, calibration, replay, score file,
and the predictive score trained on outcomes."""
