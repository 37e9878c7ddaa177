"""Running a node day to day: backups and restores, checks of its health.

These modules hold the logic; `migrantnet.cli` only parses flags and prints their results.
"""
