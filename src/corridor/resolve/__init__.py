"""Entity resolution across agencies, scripts and spellings (Splink behind an engine interface)."""
