"""Revisions of the run store's schema (one module per revision, applied in ``down_revision`` order)."""
