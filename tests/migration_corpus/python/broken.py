# Analyzer corpus: a file that does not parse is reported, not fatal.
# expect syntax_error
def f(:
    pass
