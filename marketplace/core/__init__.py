"""Shared kernel: settings, database, errors, identity and pagination."""
