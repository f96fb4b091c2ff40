from wirefix.cli.main import main

main()
