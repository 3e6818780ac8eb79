from patcher.cli.app import main

main()
