"""Nurture: the language a lead reads, consent, signing and what an email says."""
