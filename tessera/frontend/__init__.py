"""Python AST -> Tessera IR: ir.py (nodes), parse.py, printer.py."""
