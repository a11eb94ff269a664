"""Routing: who gets a lead, the queues and the shared pool, and the people who steer them."""
