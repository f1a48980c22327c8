# bash completion for heal-analyze(1)                        -*- shell-script -*-
# The options are those of `heal-analyze --help`; tests/heal-analyze/docs.bats
# checks that every one of them is here.

_heal_analyze()
{
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'auto json text' -- "$cur"))
            return
            ;;
        --llm)
            COMPREPLY=($(compgen -W 'off unmatched always' -- "$cur"))
            return
            ;;
        --redact)
            COMPREPLY=($(compgen -W 'normal strict' -- "$cur"))
            return
            ;;
        --config-dir | --state-dir)
            _filedir -d
            return
            ;;
        --window)
            COMPREPLY=($(compgen -W '10s 30s 60s 5m 15m 1h' -- "$cur"))
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--llm= --redact= --text --all-states --window= --explain --list
            --verbose --quiet --config-dir= --state-dir= --format= --log-json
            --version --help --usage -v -q' -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi
    # FILE arguments: logs, build output, records; - is standard input.
    _filedir
} &&
    complete -F _heal_analyze heal-analyze

# ex: filetype=sh
