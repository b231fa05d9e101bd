"""Development tools of hazatlas (not part of the installed package)."""
