"""``python -m plugins.live.packager_process <state file>``: the packager's process (:mod:`plugins.live.packager`)."""

import sys

from plugins.live.packager import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
