"""GraphQL face of needs sent to several offers and their answers."""
