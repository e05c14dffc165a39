# Sphinx configuration of ./ubsim doc: renders the module's ns-3 documentation
# (contrib/unifiedbus/doc/*.rst, the chapter ns-3's models manual includes) on its own, as HTML.
# ./ubsim copies the .rst files and replace.txt into one folder and builds it with -W (any
# warning fails).
project = "ns3-unifiedbus"
author = "the ns3-unifiedbus authors"
master_doc = "unifiedbus"
exclude_patterns = []
html_theme = "alabaster"
html_title = "UnifiedBus (UB) fabric: ns-3 module documentation"
highlight_language = "cpp"
