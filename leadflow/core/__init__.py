"""What every feature shares: settings, database, model, errors, clock, decisions."""
