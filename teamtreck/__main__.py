from teamtreck.cli import main

main()
