/* The registry of check kinds: one line per kind, in the order --help lists them. */
#include "check.h"

extern const struct check_kind check_kind_exec, check_kind_http, check_kind_tcp, check_kind_dns,
    check_kind_process, check_kind_file, check_kind_log, check_kind_disk, check_kind_memory,
    check_kind_swap, check_kind_load, check_kind_filehandles, check_kind_systemd;

const struct check_kind *const check_kinds[] = {
    &check_kind_exec,
    &check_kind_http,
    &check_kind_tcp,
    &check_kind_dns,
    &check_kind_process,
    &check_kind_file,
    &check_kind_log,
    &check_kind_disk,
    &check_kind_memory,
    &check_kind_swap,
    &check_kind_load,
    &check_kind_filehandles,
    &check_kind_systemd,
    NULL,
};
