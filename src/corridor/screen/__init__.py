"""Sanctions and watchlist screening: list loaders, the matcher, continuous screening."""
