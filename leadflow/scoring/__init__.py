"""Scoring: fit against the ICP, engagement decay, qualification, calibration, replay, score file."""
