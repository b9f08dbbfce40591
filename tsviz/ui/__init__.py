"""The only streamlit code inside tsviz: shared sidebar, cached wrappers, progress, errors, downloads.

Pages stay thin: widgets -> a cached call from :mod:`tsviz.ui.cache` -> figures from
:mod:`tsviz.viz` shown with :func:`tsviz.ui.downloads.show_figure`.
"""
