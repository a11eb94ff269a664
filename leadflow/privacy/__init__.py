"""Data subject rights: export everything held about a person, and erase it."""
