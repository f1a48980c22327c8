/*
 * ndjson-pass — copies records from stdin (or FILE) to stdout through the
 * heal NDJSON reader and writer, exactly as a stage passes through the
 * records it does not consume.  Used by `make bench` against `jq -c .`
 * and by the malformed-input tests.  Exit 4 if any line was bad.
 */
#include "exitcode.h"
#include "log.h"
#include "ndjson.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    log_init("ndjson-pass");
    signals_install();
    const char *name = argc > 1 ? argv[1] : "-";
    int fd = STDIN_FILENO;
    if (argc > 1 && (fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
        log_error(argv[1], "cannot open: %s", strerror(errno));
        return HEAL_EXIT_INTERNAL;
    }
    struct ndjson_reader *in = ndjson_reader_new(fd, NDJSON_LINE_MAX);
    struct ndjson_writer *out = ndjson_writer_new(STDOUT_FILENO);
    if (!in || !out) {
        log_error(NULL, "out of memory");
        return HEAL_EXIT_INTERNAL;
    }
    ndjson_writer_attach(out, ndjson_reader_lines(in));
    int status = HEAL_EXIT_OK;
    struct heal_error err;
    jv rec;
    for (;;) {
        enum ndjson_status st = ndjson_reader_next(in, &rec, &err);
        if (st == NDJSON_EOF)
            break;
        if (st == NDJSON_ERROR) {
            log_error(name, "%s", err.msg);
            status = HEAL_EXIT_INTERNAL;
            break;
        }
        if (st == NDJSON_BAD) {
            log_error_at(name, ndjson_reader_lineno(in), "%s", err.msg);
            continue;
        }
        if (ndjson_writer_put(out, rec, &err) != 0) {
            if (errno != EPIPE)
                log_error("stdout", "%s", err.msg);
            status = errno == EPIPE ? status : HEAL_EXIT_INTERNAL;
            break;
        }
        if (signals_stop_requested())
            break;
    }
    if (ndjson_writer_free(out, &err) != 0 && errno != EPIPE) {
        log_error("stdout", "%s", err.msg);
        status = HEAL_EXIT_INTERNAL;
    }
    if (status == HEAL_EXIT_OK && ndjson_reader_bad(in) > 0)
        status = HEAL_EXIT_BADINPUT;
    ndjson_reader_free(in);
    if (fd != STDIN_FILENO)
        close(fd);
    return status;
}
