"""Reproduction targets, one module per paper table or figure (see :mod:`tsviz.reproduce.registry`)."""
