"""Resubmission: snapshots of a build, what changed between two builds, and the marked-up manuscript."""
