from migrantnet.cli import main

main()
