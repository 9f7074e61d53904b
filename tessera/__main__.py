"""`python -m tessera <command> ...`: Tessera's command line. Commands:

    inspect   print a kernel's stage (IR, PTX, SASS, ...) for any GPU target; see `inspect --help`
    migrate   analyze a CUDA/PyTorch project for migration, translate CUDA C to Tessera; see `migrate --help`
"""

import importlib
import sys

COMMANDS = {"inspect": "tessera.inspect.cli", "migrate": "tessera.migration.cli"}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if not argv or argv[0] not in COMMANDS:
        if argv:
            print(f"unknown command {argv[0]!r}", file=sys.stderr)
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
