"""GraphQL face of agreements.gaps."""
