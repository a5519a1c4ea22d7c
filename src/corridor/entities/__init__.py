"""The node's own entities: read one, list them, export them, search their names, and the
sensor observations of their plates and phones, each read logged in the audit log."""
