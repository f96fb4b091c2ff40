from wirefix.cli import main

main()
