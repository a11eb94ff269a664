"""Engagement: tracking tokens, bot filtering, recording opens/clicks/visits, ESP events."""
