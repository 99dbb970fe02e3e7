"""The year's economics of the agreements' offers: occupancy, settlement, financing."""
