"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test creates fresh virtual environments and puts pip into each of them by running a cached
copy of get-pip (``~/.ansible/test/cache/get_pip_<version>.py``) with arguments such as
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``. When that cache file is missing
it tries to download it from a host that is not always reachable. scripts/setup.sh installs this file
under the cache name instead: it bootstraps pip from the interpreter's bundled ``ensurepip`` and then
installs the requested pip version from the package index.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip options that have no meaning for "pip install".
_DROPPED_OPTIONS = frozenset({'--no-setuptools', '--no-wheel'})


def pip_install_args(argv: list[str]) -> list[str]:
    """Return the get-pip arguments that pip install understands, in their original order."""
    return [arg for arg in argv if arg not in _DROPPED_OPTIONS]


def main(argv: list[str]) -> int:
    """Bootstrap pip with ensurepip, then install the pip version ansible-test asked for."""
    subprocess.run([sys.executable, '-m', 'ensurepip', '--default-pip'], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', *pip_install_args(argv)], check=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
