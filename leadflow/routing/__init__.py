"""Routing: rules, rotation, ownership, hand-off, queues with deadlines, the shared pool and the
people who steer them."""
