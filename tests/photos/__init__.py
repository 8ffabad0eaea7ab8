"""The photo ingest pipeline."""
