"""Users, roles, clearances and the one authorisation object that also filters reads."""
