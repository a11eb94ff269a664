"""Where features meet: services that span several features (all policies at once, rep
actions that re-route or hand back to nurture, rep notifications). Tasks and faces call them."""
