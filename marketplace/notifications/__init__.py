"""Events (the transactional outbox), in-app notifications, e-mail and webhook deliveries."""
