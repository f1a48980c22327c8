# bash completion for heal-loop(1)                           -*- shell-script -*-
# The options are those of `heal-loop --help` and of each subcommand's
# --help; tests/heal-loop/docs.bats checks that every one of them is here.

_heal_loop()
{
    local cur prev words cword split
    _init_completion -s || return

    local sub=
    [[ ${words[1]-} == @(status|stop|run) ]] && sub=${words[1]}
    if [[ $sub == run ]]; then
        local i
        for ((i = 2; i < cword; i++)); do
            if [[ ${words[i]} == -- ]]; then
                _command_offset $((i + 1))
                return
            fi
        done
    fi

    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'auto json text' -- "$cur"))
            return
            ;;
        --max-risk)
            COMPREPLY=($(compgen -W 'low medium high' -- "$cur"))
            return
            ;;
        --checks | --records)
            _filedir '@(json|ndjson)'
            return
            ;;
        --pid-file | --metrics)
            _filedir
            return
            ;;
        --config-dir | --state-dir)
            _filedir -d
            return
            ;;
        --name | --workers | --cycle | --drain-timeout | --timeout | --by | --max-attempts | --backoff | --backoff-max)
            return
            ;;
    esac
    $split && return

    local common='--verbose --quiet --config-dir= --state-dir= --format= --log-json --version
        --help --usage -v -q'
    if [[ $cur == -* ]]; then
        case $sub in
            status) COMPREPLY=($(compgen -W "--by= $common" -- "$cur")) ;;
            stop) COMPREPLY=($(compgen -W "--pid-file= --timeout= $common" -- "$cur")) ;;
            run) COMPREPLY=($(compgen -W "--max-attempts= --backoff= --backoff-max= --apply --records= $common" -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "--once --apply --dry-run --monitor --checks= --name=
                --all-states --workers= --max-risk= --pid-file= --metrics= --cycle=
                --drain-timeout= $common" -- "$cur")) ;;
        esac
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
    elif [[ -z $sub && $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W 'status stop run' -- "$cur"))
    fi
} &&
    complete -F _heal_loop heal-loop

# ex: filetype=sh
