"""Candidates and open cases: which files a notice concerns, and why."""
