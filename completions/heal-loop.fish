# fish completion for heal-loop(1).  The options are those of
# `heal-loop --help` and of each subcommand's --help;
# tests/heal-loop/docs.bats checks that every one of them is here.

set -l subs status stop run
complete -c heal-loop -f -n "not __fish_seen_subcommand_from $subs" -a status -d 'Each target: status, availability, incidents, healing'
complete -c heal-loop -f -n "not __fish_seen_subcommand_from $subs" -a stop -d 'Stop the running daemon'
complete -c heal-loop -f -n "not __fish_seen_subcommand_from $subs" -a run -d 'Run a command under heal care'

complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l once -d 'Run the pipeline once and exit'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l apply -d 'Let heal-apply run remedies under policy'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l dry-run -d 'Show what heal-apply would do'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l monitor -d 'Check and diagnose only'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l checks -r -F -d 'heal-check reads check definitions from FILE'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l name -x -d 'Run only the configured check NAME'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l all-states -d 'Heal SOFT problems too'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l workers -x -d 'Heal at most N targets at once'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l max-risk -x -a 'low medium high' -d 'Run nothing riskier than this'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs; or __fish_seen_subcommand_from stop" -l pid-file -r -F -d 'The daemon pid file'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l metrics -r -F -d 'Write Prometheus metrics to FILE'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l cycle -x -d 'How often to write status and metrics'
complete -c heal-loop -n "not __fish_seen_subcommand_from $subs" -l drain-timeout -x -d 'How long stages may take to finish'
complete -c heal-loop -n "__fish_seen_subcommand_from stop" -l timeout -x -d 'Wait this long for it to exit'
complete -c heal-loop -n "__fish_seen_subcommand_from status" -l by -x -d 'Roll targets up by this label'
complete -c heal-loop -n "__fish_seen_subcommand_from run" -l max-attempts -x -d 'Run the command at most N times'
complete -c heal-loop -n "__fish_seen_subcommand_from run" -l backoff -x -d 'Shortest wait before a retry (default 1s)'
complete -c heal-loop -n "__fish_seen_subcommand_from run" -l backoff-max -x -d 'Cap on the random part of the wait (default 1m)'
complete -c heal-loop -n "__fish_seen_subcommand_from run" -l apply -d 'Apply auto remedies under policy'
complete -c heal-loop -n "__fish_seen_subcommand_from run" -l records -r -F -d 'Write the records of failed runs to FILE'

complete -c heal-loop -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c heal-loop -s q -l quiet -d 'Report only errors on stderr'
complete -c heal-loop -l config-dir -x -a '(__fish_complete_directories)' -d 'Configuration directory'
complete -c heal-loop -l state-dir -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c heal-loop -l format -x -a 'auto json text' -d 'Output: auto, json or text'
complete -c heal-loop -l log-json -d 'Log to stderr as JSON lines'
complete -c heal-loop -l version -d 'Print the version and exit'
complete -c heal-loop -s '?' -l help -d 'Show the help message'
complete -c heal-loop -l usage -d 'Display a brief usage message'
