"""Pictures and HTML reports of runs."""
