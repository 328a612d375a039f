"""The build: run each step whose inputs changed, atomically, and never leave stale outputs."""
