from hush.cli import main

raise SystemExit(main())
