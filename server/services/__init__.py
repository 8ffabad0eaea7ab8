"""Domain services: the rules of Gridwalk, called by thin views and the CLI."""
