"""GraphQL face of follow-up and renegotiation, and of the case load a municipality reviews."""
