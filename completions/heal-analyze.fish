# fish completion for heal-analyze(1).  The options are those of
# `heal-analyze --help`; tests/heal-analyze/docs.bats checks that every one
# of them is here.  FILE arguments complete as files.

complete -c heal-analyze -l text -d 'Treat every input line as text, even a {'
complete -c heal-analyze -l all-states -d 'Diagnose SOFT problems too, not only HARD'
complete -c heal-analyze -l window -x -a '10s 30s 60s 5m 15m 1h' -d 'Group repeats within this time (default 60s)'
complete -c heal-analyze -l explain -d 'Show the matched lines and where the confidence came from'
complete -c heal-analyze -l list -d 'List the signature catalog and exit'
complete -c heal-analyze -l llm -x -a 'off unmatched always' -d 'When to ask a language model'
complete -c heal-analyze -l redact -x -a 'normal strict' -d 'What a model may not see'
complete -c heal-analyze -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c heal-analyze -s q -l quiet -d 'Report only errors on stderr'
complete -c heal-analyze -l config-dir -x -a '(__fish_complete_directories)' -d 'Configuration directory'
complete -c heal-analyze -l state-dir -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c heal-analyze -l format -x -a 'auto json text' -d 'Output: auto, json or text'
complete -c heal-analyze -l log-json -d 'Log to stderr as JSON lines'
complete -c heal-analyze -l version -d 'Print the version and exit'
complete -c heal-analyze -s '?' -l help -d 'Show the help message'
complete -c heal-analyze -l usage -d 'Display a brief usage message'
