"""The faces of the service: GraphQL, REST and the command line."""
