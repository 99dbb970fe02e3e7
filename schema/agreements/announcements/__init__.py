"""GraphQL face of agreements.announcements."""
