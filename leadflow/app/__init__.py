"""Composition: what needs every feature at once (all policies, the local stack, the demo)."""
