"""Nurture: sequences, send windows, time zones, the reader's language, consent, composing,
rendering and signing email, the mailer."""
