# bash completion for heal-check(1)                          -*- shell-script -*-
# The options are those of `heal-check --help`; tests/heal-check/docs.bats
# checks that every one of them is here.

_heal_check()
{
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'auto json text' -- "$cur"))
            return
            ;;
        --checks)
            _filedir '@(json|ndjson)'
            [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
            return
            ;;
        --config-dir | --state-dir)
            _filedir -d
            return
            ;;
        --disk | --file | --log)
            _filedir
            return
            ;;
        --exec)
            compopt -o filenames
            COMPREPLY=($(compgen -c -- "$cur"))
            return
            ;;
        --process)
            _pnames
            return
            ;;
        --count | -j | --jobs | --http | --tcp | --dns | --name | -w | --warn | -c | --crit | \
            -t | --timeout | -l | --label)
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--once --watch --count= --jobs= --checks= --builtin --list
            --http= --tcp= --exec= --process= --disk= --file= --log= --dns= --name= --warn=
            --crit= --timeout= --label= --from-start --verbose --quiet --config-dir=
            --state-dir= --format= --log-json --version --help --usage
            -j -w -c -t -l -v -q' -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
    fi
} &&
    complete -F _heal_check heal-check

# ex: filetype=sh
