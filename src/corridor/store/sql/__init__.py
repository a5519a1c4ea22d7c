"""What every SQL store shares: the dialect seam, the queries, and one implementation of the
store interface over a session that runs SQL (`SQLStore`)."""
