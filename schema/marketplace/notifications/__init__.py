"""GraphQL of notifications and webhooks."""
