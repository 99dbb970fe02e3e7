"""The demo world ``socialmarked seed`` loads: providers, offers and their prices, the regional
agreements, the central announcements and a market's activity (contracts, forecasts,
searches). Kept apart from the domain packages, which it uses like any other writer."""
