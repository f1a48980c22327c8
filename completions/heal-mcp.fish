# fish completion for heal-mcp(1).  The options are those of
# `heal-mcp --help`; tests/heal-mcp/docs.bats checks that every one of
# them is here.

complete -c heal-mcp -f
complete -c heal-mcp -l read-only -d 'Refuse to run remedies: dry runs only'
complete -c heal-mcp -l allow-exec -d 'Let perform_health_check run a command the client names'
complete -c heal-mcp -l list-tools -d 'Print the tools and exit'
complete -c heal-mcp -l http -x -d 'Serve MCP over Streamable HTTP at [ADDR:]PORT'
complete -c heal-mcp -l resource -x -d 'Public URL of this server, the token audience'
complete -c heal-mcp -l issuer -x -d 'Accept JWT access tokens from this issuer'
complete -c heal-mcp -l jwks -r -F -d 'The issuer keys: a JWKS file or URL'
complete -c heal-mcp -l tokens -r -F -d 'Static token hashes file (0600)'
complete -c heal-mcp -l allow-origin -x -d 'Also accept this Origin'
complete -c heal-mcp -l allow-host -x -d 'Also accept this Host'
complete -c heal-mcp -l session-idle -x -d 'End sessions idle this long'
complete -c heal-mcp -l rate -x -d 'Requests a second per caller'
complete -c heal-mcp -l burst -x -d 'Requests a caller may make at once'
complete -c heal-mcp -l port-file -r -F -d 'Write the bound port here'
complete -c heal-mcp -l metrics -r -F -d 'Prometheus metrics file'
complete -c heal-mcp -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c heal-mcp -s q -l quiet -d 'Report only errors on stderr'
complete -c heal-mcp -l config-dir -x -a '(__fish_complete_directories)' -d 'Configuration directory'
complete -c heal-mcp -l state-dir -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c heal-mcp -l format -x -a 'auto json text' -d 'Output: auto, json or text'
complete -c heal-mcp -l log-json -d 'Log to stderr as JSON lines'
complete -c heal-mcp -l version -d 'Print the version and exit'
complete -c heal-mcp -s '?' -l help -d 'Show the help message'
complete -c heal-mcp -l usage -d 'Display a brief usage message'
