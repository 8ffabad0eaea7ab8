"""Gridwalk's sync core: pure functions over plain data.

Nothing in this package imports Flask, SQLAlchemy or anything else of ours; it
holds the hybrid logical clock, the entity field kinds, the merge rules, the
duplicate scoring and the reference sync client.
"""
