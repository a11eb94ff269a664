"""The composition layer: the local stack, the demo, the policies loaded together."""
