"""``divertsim app``: a what-if page in the browser over the same comparisons as the command line."""
