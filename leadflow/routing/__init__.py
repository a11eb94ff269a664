"""Routing: compile and apply routing rules, rotation, ownership, hand-off and rep actions."""
