# fish completion for heal-propose(1).  The options are those of
# `heal-propose --help`; tests/heal-propose/docs.bats checks that every one
# of them is here.

complete -c heal-propose -l half-life -x -d 'Outcomes this old count half (default 7d)'
complete -c heal-propose -l playbook -r -F -d 'Also load the playbook entries in FILE'
complete -c heal-propose -l list -d 'List the playbook and exit'
complete -c heal-propose -l llm -x -a 'off unmatched always' -d 'When to ask a language model'
complete -c heal-propose -l redact -x -a 'normal strict' -d 'What a model may not see'
complete -c heal-propose -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c heal-propose -s q -l quiet -d 'Report only errors on stderr'
complete -c heal-propose -l config-dir -x -a '(__fish_complete_directories)' -d 'Configuration directory'
complete -c heal-propose -l state-dir -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c heal-propose -l format -x -a 'auto json text' -d 'Output: auto, json or text'
complete -c heal-propose -l log-json -d 'Log to stderr as JSON lines'
complete -c heal-propose -l version -d 'Print the version and exit'
complete -c heal-propose -s '?' -l help -d 'Show the help message'
complete -c heal-propose -l usage -d 'Display a brief usage message'
