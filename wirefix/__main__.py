from wirefix.cli.app import main

main()
