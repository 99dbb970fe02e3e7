"""GraphQL face of agreements.frameworks."""
