"""The web face: tracking links and one-click unsubscribe."""
