"""Reports over the pipeline: the funnel, the MQL/SQL gap, reps, attribution, health and planning.

``queries`` reads the database into plain rows; every other module computes over those rows.
"""
