"""GraphQL face of marketplace.search."""
