"""Nurture: sequences, send windows, time zones, composing and rendering email, the mailer."""
