# fish completion for heal-apply(1).  The options are those of
# `heal-apply --help`; tests/heal-apply/docs.bats checks that every one of
# them is here.

complete -c heal-apply -l apply -d 'Run remedies (default: a dry run)'
complete -c heal-apply -s i -l interactive -d 'At a terminal, ask which candidate to run'
complete -c heal-apply -l max-risk -x -a 'low medium high' -d 'Run nothing riskier than this'
complete -c heal-apply -l lock-wait -x -d 'Wait this long for a target lock (default 10s)'
complete -c heal-apply -l playbook -r -F -d 'Also load the playbook entries in FILE'
complete -c heal-apply -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c heal-apply -s q -l quiet -d 'Report only errors on stderr'
complete -c heal-apply -l config-dir -x -a '(__fish_complete_directories)' -d 'Configuration directory'
complete -c heal-apply -l state-dir -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c heal-apply -l format -x -a 'auto json text' -d 'Output: auto, json or text'
complete -c heal-apply -l log-json -d 'Log to stderr as JSON lines'
complete -c heal-apply -l version -d 'Print the version and exit'
complete -c heal-apply -s '?' -l help -d 'Show the help message'
complete -c heal-apply -l usage -d 'Display a brief usage message'
