"""Company-data enrichment: providers, the fallback chain, the cache and the limits.

Pure parts (merge, normalize, retry, chain) take typed data; the Prefect task in
``tasks/enrich.py`` adds the database and the run's limits.
"""
