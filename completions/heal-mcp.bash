# bash completion for heal-mcp(1)                            -*- shell-script -*-
# The options are those of `heal-mcp --help`; tests/heal-mcp/docs.bats
# checks that every one of them is here.

_heal_mcp()
{
    local cur prev words cword split
    _init_completion -s || return

    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'auto json text' -- "$cur"))
            return
            ;;
        --config-dir | --state-dir)
            _filedir -d
            return
            ;;
        --tokens | --jwks | --metrics | --port-file)
            _filedir
            return
            ;;
        --http | --resource | --issuer | --allow-origin | --allow-host | --session-idle | \
            --rate | --burst | --jwt-algorithms)
            return
            ;;
    esac
    $split && return

    COMPREPLY=($(compgen -W '--read-only --allow-exec --list-tools --http= --resource=
        --issuer= --jwks= --jwt-algorithms= --require-at-jwt --tokens= --allow-origin= --allow-host= --session-idle= --rate=
        --burst= --port-file= --metrics= --verbose --quiet --config-dir= --state-dir= --format= --log-json --version
        --help --usage -v -q' -- "$cur"))
    [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
} &&
    complete -F _heal_mcp heal-mcp

# ex: filetype=sh
