"""Offer search: Danish full text, filters, facets, distance and availability."""
