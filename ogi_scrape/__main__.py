import sys

from ogi_scrape.cli import main

sys.exit(main())
