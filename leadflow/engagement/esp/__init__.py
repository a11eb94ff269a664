"""ESP event webhooks: verify each provider's signature, map its events onto one vocabulary."""
