"""The market: organisations, offers, search and contracts. No web framework in here."""
