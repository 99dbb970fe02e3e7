"""GraphQL face of marketplace.organisations."""
