# bash completion for heal-apply(1)                          -*- shell-script -*-
# The options are those of `heal-apply --help`; tests/heal-apply/docs.bats
# checks that every one of them is here.

_heal_apply()
{
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'auto json text' -- "$cur"))
            return
            ;;
        --max-risk)
            COMPREPLY=($(compgen -W 'low medium high' -- "$cur"))
            return
            ;;
        --playbook)
            _filedir '@(json|ndjson)'
            return
            ;;
        --config-dir | --state-dir)
            _filedir -d
            return
            ;;
        --lock-wait)
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--apply --interactive --max-risk= --lock-wait= --playbook=
            --verbose --quiet --config-dir= --state-dir= --format= --log-json --version
            --help --usage -i -v -q' -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
    else
        _filedir '@(json|ndjson)'
    fi
} &&
    complete -F _heal_apply heal-apply

# ex: filetype=sh
