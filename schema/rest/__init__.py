"""REST routes beside GraphQL: liveness, readiness (and later exports and tokens)."""
