# bash completion for heal-propose(1)                        -*- shell-script -*-
# The options are those of `heal-propose --help`; tests/heal-propose/docs.bats
# checks that every one of them is here.

_heal_propose()
{
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'auto json text' -- "$cur"))
            return
            ;;
        --playbook)
            _filedir '@(json|ndjson)'
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
        --half-life)
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--llm= --redact= --half-life= --playbook= --list --verbose --quiet
            --config-dir= --state-dir= --format= --log-json --version --help --usage
            -v -q' -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
    else
        _filedir '@(json|ndjson|log)'
    fi
} &&
    complete -F _heal_propose heal-propose

# ex: filetype=sh
