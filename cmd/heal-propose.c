/*
 * heal-propose — what could fix it.  Reads diagnosis records and writes,
 * after each, one proposal: the playbook remedies that apply, filled and
 * ranked by confidence, learned success and risk.  Every other record
 * passes through unchanged.  It runs nothing.
 */
#include "clock.h"
#include "duration.h"
#include "exitcode.h"
#include "history.h"
#include "llm_propose.h"
#include "log.h"
#include "ndjson.h"
#include "options.h"
#include "playbook.h"
#include "propose.h"
#include "record.h"
#include "signals.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "heal-propose"

static struct {
    int list;
    char *half_life, *llm, *redact;
    char **playbooks; /* --playbook, repeatable */
} opt;

struct out {
    struct ndjson_writer *w;
    bool text, color, failed;
    unsigned long proposals;
    struct llm_session *llm; /* NULL unless a model is asked */
    enum llm_mode mode;
    char *llm_ctx; /* the context of the model's log lines */
};


static void emit(struct out *o, jv rec)
{
    struct heal_error err;
    if (o->text) {
        char *plan = record_is_type(&rec, "proposal") ? propose_plan(&rec, o->color) : NULL;
        if (plan)
            fputs(plan, stdout);
        free(plan);
        jv_free(rec);
    } else if (o->failed) {
        jv_free(rec);
    } else if (ndjson_writer_put(o->w, rec, &err) != 0) {
        o->failed = true;
        if (errno != EPIPE)
            log_error("stdout", "%s", err.msg);
    }
}

static void report_playbook(void *ctx, const char *message)
{
    (void)ctx;
    log_error(NULL, "%s", message);
}

static void list_playbook(const struct playbook *pb, bool text)
{
    for (size_t i = 0; i < playbook_size(pb); i++) {
        const struct remedy *r = playbook_get(pb, i);
        if (text) {
            printf("%-26s %-6s %-4s %s  (%s)\n", r->id, playbook_risk_name(r->risk),
                   r->auto_run ? "auto" : "-", r->title, r->source);
        } else {
            jv e = jv_object_set(jv_copy(r->entry), jv_string("from"), jv_string(r->source));
            jv line = jv_dump_string(e, 0);
            printf("%s\n", jv_string_value(line));
            jv_free(line);
        }
    }
}

/* Reads one input; returns the number of bad lines. */
static uint64_t propose_fd(const struct playbook *pb, const struct history *h, int fd,
                           const char *name, struct out *o)
{
    struct ndjson_reader *r = ndjson_reader_new(fd, NDJSON_LINE_MAX);
    if (!r) {
        log_error(name, "out of memory");
        return 1;
    }
    if (!o->text)
        ndjson_writer_attach(o->w, ndjson_reader_lines(r));
    uint64_t bad = 0;
    struct heal_error err;
    enum ndjson_status st;
    jv rec;
    while (!o->failed && (st = ndjson_reader_next(r, &rec, &err)) != NDJSON_EOF) {
        if (st == NDJSON_ERROR) {
            log_error(name, "%s", err.msg);
            bad++;
            break;
        }
        if (st == NDJSON_BAD) {
            log_error_at(name, ndjson_reader_lineno(r), "%s", err.msg);
            bad++;
            continue;
        }
        jv p = jv_invalid();
        if (record_is_type(&rec, "diagnosis")) {
            log_set_trace(record_string_borrow(&rec, "trace"));
            p = propose_diagnosis(pb, h, rec, &err);
            if (jv_is_valid(p) && o->llm)
                p = llm_propose(o->llm, o->mode, pb, h, rec, p, log_note_level, o->llm_ctx);
            if (!jv_is_valid(p)) {
                log_error_at(name, ndjson_reader_lineno(r), "%s", err.msg);
                bad++;
            }
            log_set_trace(NULL);
        }
        emit(o, rec);
        if (jv_is_valid(p)) {
            o->proposals++;
            emit(o, p);
        } else {
            jv_free(p);
        }
        if (signals_stop_requested())
            break;
    }
    ndjson_reader_free(r);
    return bad;
}

int main(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"half-life", '\0', POPT_ARG_STRING, &opt.half_life, 0,
         "outcomes this old count half (default 7d)", "DURATION"},
        {"playbook", '\0', POPT_ARG_ARGV, &opt.playbooks, 0,
         "also load the playbook entries in FILE (repeatable)", "FILE"},
        {"list", '\0', POPT_ARG_NONE, &opt.list, 0, "list the playbook and exit", NULL},
        LLM_POPT_OPTIONS(&opt.llm, &opt.redact),
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    char llm_ctx[] = "llm"; /* the context of the model's log lines */
    signals_install();
    log_init(PROG);
    poptContext pc = poptGetContext(PROG, argc, argv, table, 0);
    poptSetOtherOptionHelp(pc, "[OPTION...] [FILE...]");
    int status = HEAL_EXIT_USAGE;
    struct heal_error err;
    struct playbook *pb = NULL;
    struct history *h = NULL;
    struct out o = {0};
    struct llm_config llm_cfg = {0};
    o.llm_ctx = llm_ctx;
    if (!options_parse(pc, PROG, NULL, &status))
        goto out;
    int64_t half_life = HISTORY_HALF_LIFE_DEFAULT_MS;
    if (options_duration("--half-life", opt.half_life, &half_life, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        goto out;
    }
    char dir[CONFIG_PATH_MAX];
    bool have_dir = config_dir_resolve(heal_opts.config_dir, geteuid(), dir, &err) == 0;
    if (!opt.list && llm_start(opt.llm, opt.redact, have_dir ? dir : NULL, heal_opts.state_dir,
                               log_note, llm_ctx, &llm_cfg, &o.mode, &o.llm, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        goto out;
    }
    unsigned problems = 0;
    pb = playbook_load(have_dir ? dir : NULL, true, (const char *const *)opt.playbooks,
                       report_playbook, NULL, &problems);
    if (!pb) {
        log_error("playbook", "out of memory");
        status = HEAL_EXIT_INTERNAL;
        goto out;
    }
    o.text = output_is_text();
    o.color = output_use_color();
    if (opt.list) {
        list_playbook(pb, o.text);
        status = problems ? HEAL_EXIT_BADINPUT : HEAL_EXIT_OK;
        goto out;
    }
    /* History only ranks: without it (unreadable journal) proposals still help. */
    h = history_new(clock_now_ms(), half_life);
    char state[STATE_PATH_MAX];
    long unreadable = 0;
    if (!h) {
        log_error(NULL, "out of memory");
        status = HEAL_EXIT_INTERNAL;
        goto out;
    }
    if (state_dir_resolve(heal_opts.state_dir, state, &err) != 0 ||
        history_load(h, state, &unreadable, &err) != 0)
        log_warn("journal", "%s; ranking without history", err.msg);
    else if (unreadable > 0)
        log_warn("journal", "%ld unreadable lines skipped", unreadable);
    o.w = ndjson_writer_new(STDOUT_FILENO);
    if (!o.w) {
        log_error(NULL, "out of memory");
        status = HEAL_EXIT_INTERNAL;
        goto out;
    }
    uint64_t bad = 0;
    const char *file = poptGetArg(pc);
    if (!file)
        bad += propose_fd(pb, h, STDIN_FILENO, "-", &o);
    for (; file; file = poptGetArg(pc)) {
        int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
        if (fd < 0) {
            log_error(file, "%s", strerror(errno));
            bad++;
            continue;
        }
        bad += propose_fd(pb, h, fd, file, &o);
        if (fd != STDIN_FILENO)
            close(fd);
    }
    if (ndjson_writer_flush(o.w, &err) != 0 && errno != EPIPE)
        log_error("stdout", "%s", err.msg);
    log_info(NULL, "%lu proposals", o.proposals);
    char llm_stats[256];
    if (o.llm) {
        llm_session_describe(o.llm, llm_stats, sizeof llm_stats);
        log_info("llm", "%s", llm_stats);
    }
    status = bad || problems ? HEAL_EXIT_BADINPUT
             : o.proposals   ? HEAL_EXIT_UNHEALTHY
                             : HEAL_EXIT_OK;
out:
    llm_session_free(o.llm);
    llm_config_free(&llm_cfg);
    history_free(h);
    playbook_free(pb);
    if (o.w)
        ndjson_writer_free(o.w, NULL);
    poptFreeContext(pc);
    free(opt.half_life);
    free(opt.llm);
    free(opt.redact);
    for (char **f = opt.playbooks; f && *f; f++)
        free(*f);
    free(opt.playbooks);
    options_free();
    return status;
}
