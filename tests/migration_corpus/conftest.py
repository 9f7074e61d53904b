# The PyTorch corpus is read by the migration analyzer (tests/unit/test_migration_python_scan.py), never
# imported: it needs torch, which the test environment does not have.
collect_ignore_glob = ["python/*.py"]
