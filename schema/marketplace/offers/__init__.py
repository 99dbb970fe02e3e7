"""GraphQL face of marketplace.offers."""
