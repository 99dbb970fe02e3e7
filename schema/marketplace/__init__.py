"""GraphQL face of the market."""
