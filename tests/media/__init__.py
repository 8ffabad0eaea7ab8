"""Media storage backends, one suite run against each."""
