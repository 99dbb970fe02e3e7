"""The web application: Danish pages for purchasers and providers, served beside the API.

Pages call the domain services with the signed-in person's Principal, as the GraphQL
resolvers do, so the web and the API obey the same rules and permissions.
"""
