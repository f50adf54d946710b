"""Reports: figures and the self-contained HTML report, drawn from a finished folder's files."""
