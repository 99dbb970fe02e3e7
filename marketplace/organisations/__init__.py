"""The organisation registry: regions, municipalities and providers (driftsherrer)."""
