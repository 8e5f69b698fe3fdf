"""Pages of the help app."""
