# fish completion for heal-mcp(1).  The options are those of
# `heal-mcp --help`; tests/heal-mcp/docs.bats checks that every one of
# them is here.

complete -c heal-mcp -f
complete -c heal-mcp -l read-only -d 'Refuse to run remedies: dry runs only'
complete -c heal-mcp -l allow-exec -d 'Let perform_health_check run a command the client names'
complete -c heal-mcp -l list-tools -d 'Print the tools and exit'
complete -c heal-mcp -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c heal-mcp -s q -l quiet -d 'Report only errors on stderr'
complete -c heal-mcp -l config-dir -x -a '(__fish_complete_directories)' -d 'Configuration directory'
complete -c heal-mcp -l state-dir -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c heal-mcp -l format -x -a 'auto json text' -d 'Output: auto, json or text'
complete -c heal-mcp -l log-json -d 'Log to stderr as JSON lines'
complete -c heal-mcp -l version -d 'Print the version and exit'
complete -c heal-mcp -s '?' -l help -d 'Show the help message'
complete -c heal-mcp -l usage -d 'Display a brief usage message'
