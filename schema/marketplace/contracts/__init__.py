"""GraphQL face of marketplace.contracts."""
