import sys

from hotpass_assets.cli import main

sys.exit(main())
