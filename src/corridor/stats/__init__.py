"""Statistics over real public data and over the store."""
