"""The node's users and their API keys: created, deactivated and authenticated here, each
change logged (the rules of what a role may do live in `corridor.access`)."""
