/*
 * heal-analyze — what broke, and why.  Reads check records and plain text
 * (build output, logs); writes diagnosis records.  Records it does not
 * diagnose pass through unchanged.
 */
#include "analyze.h"
#include "catalog.h"
#include "llm_analyze.h"
#include "exitcode.h"
#include "log.h"
#include "ndjson.h"
#include "options.h"
#include "record.h"
#include "signals.h"
#include "duration.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "heal-analyze"

static struct {
    int text, all_states, list, explain;
    char *window, *llm, *redact;
} opt;

struct out {
    struct ndjson_writer *w;
    bool text, color, failed;
    struct llm_analyst *llm; /* NULL unless a model is asked */
    /* The record being analyzed and its line: passed on as it came, if unchanged. */
    jv input;
    const char *line;
    size_t len;
};

static void show(const jv *d, bool color)
{
    const char *sev = record_string_borrow(d, "severity");
    const char *col = !color ? "" : sev && !strcmp(sev, "critical") ? "\033[31m"
                                : sev && !strcmp(sev, "warning")    ? "\033[33m"
                                                                    : "\033[36m";
    jv count = jv_object_get(jv_copy(*d), jv_string("count"));
    jv conf = jv_object_get(jv_copy(*d), jv_string("confidence"));
    char summary[1024];
    const char *s = record_string_borrow(d, "summary");
    size_t i = 0;
    for (; s && s[i] && i + 1 < sizeof summary; i++)
        summary[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
    summary[i] = '\0';
    printf("%s%-8s%s %-28s %s", col, sev ? sev : "?", color ? "\033[0m" : "",
           record_string_borrow(d, "signature"), summary);
    if (jv_get_kind(count) == JV_KIND_NUMBER && jv_number_value(count) > 1)
        printf(" (x%.0f)", jv_number_value(count));
    printf("\n");
    if (opt.explain) {
        /* The rules behind the number are in heal-signatures(5), Confidence. */
        printf("         confidence %.2f (signature base, plus agreement and repeats); analyzer %s\n",
               jv_get_kind(conf) == JV_KIND_NUMBER ? jv_number_value(conf) : 0,
               record_string_borrow(d, "analyzer"));
        jv rel = jv_object_get(jv_copy(*d), jv_string("related"));
        for (int k = 0; jv_get_kind(rel) == JV_KIND_ARRAY && k < jv_array_length(jv_copy(rel)); k++) {
            jv r = jv_array_get(jv_copy(rel), k);
            printf("         related %s: %s\n", record_string_borrow(&r, "role"),
                   record_string_borrow(&r, "signature"));
            jv_free(r);
        }
        jv_free(rel);
        jv ev = jv_object_get(jv_copy(*d), jv_string("evidence"));
        for (int k = 0; k < jv_array_length(jv_copy(ev)); k++) {
            jv line = jv_array_get(jv_copy(ev), k);
            char buf[1024];
            const char *l = jv_string_value(line);
            size_t n = 0;
            for (; l[n] && n + 1 < sizeof buf; n++)
                buf[n] = (unsigned char)l[n] < 0x20 ? '?' : l[n];
            buf[n] = '\0';
            printf("         %s> %s%s\n", color ? "\033[1m" : "", buf, color ? "\033[0m" : "");
            jv_free(line);
        }
        jv_free(ev);
    }
    jv_free(count);
    jv_free(conf);
}

static void emit(void *ctx, jv rec)
{
    struct out *o = ctx;
    if (o->text) {
        if (record_is_type(&rec, "diagnosis"))
            show(&rec, o->color);
        jv_free(rec);
        return;
    }
    struct heal_error err;
    int rc = 0;
    if (o->failed) {
        jv_free(rec);
    } else if (o->line && jv_identical(jv_copy(rec), jv_copy(o->input))) {
        jv_free(rec);
        rc = ndjson_writer_put_line(o->w, o->line, o->len, &err);
    } else {
        rc = ndjson_writer_put(o->w, rec, &err);
    }
    if (rc != 0) {
        o->failed = true;
        if (errno != EPIPE)
            log_error("stdout", "%s", err.msg);
    }
}

/* What the analyzer emits: a diagnosis may go by the model first (llm_analyze.h). */
static void emit_analyzed(void *ctx, jv rec)
{
    struct out *o = ctx;
    if (o->llm && record_is_type(&rec, "diagnosis"))
        llm_analyst_diagnosis(o->llm, rec, o->line ? &o->input : NULL);
    else
        emit(ctx, rec);
}


static void report_catalog(void *ctx, const char *message)
{
    (void)ctx;
    log_error(NULL, "%s", message);
}

static void list_catalog(struct catalog *c, bool text)
{
    for (size_t i = 0; i < catalog_size(c); i++) {
        const struct signature *s = catalog_get(c, i);
        if (text) {
            printf("%-36s %-11s %-8s %s\n", s->id, s->category, s->severity,
                   s->description ? s->description : s->summary);
        } else {
            jv o = jv_object();
            o = jv_object_set(o, jv_string("id"), jv_string(s->id));
            o = jv_object_set(o, jv_string("category"), jv_string(s->category));
            o = jv_object_set(o, jv_string("severity"), jv_string(s->severity));
            o = jv_object_set(o, jv_string("description"),
                              jv_string(s->description ? s->description : s->summary));
            jv line = jv_dump_string(o, 0);
            printf("%s\n", jv_string_value(line));
            jv_free(line);
        }
    }
}

/*
 * Reads one input in blocks.  Runs of text lines go to the analyzer a
 * block at a time (grep speed); a line starting with '{' is a record,
 * unless --text.  Returns the number of bad lines.
 */
static uint64_t analyze_fd(struct analyzer *a, int fd, const char *name, struct out *o)
{
    struct linereader *lr = linereader_new(fd, NDJSON_LINE_MAX);
    if (!lr) {
        log_error(name, "out of memory");
        return 1;
    }
    if (!o->text)
        ndjson_writer_attach(o->w, lr);
    uint64_t bad = 0, lineno = 0;
    const char *data;
    size_t len;
    struct heal_error err;
    enum linereader_status st;
    while (!o->failed && (st = linereader_next_block(lr, &data, &len, &err)) != LINEREADER_EOF) {
        if (st == LINEREADER_ERROR) {
            log_error(name, "%s", err.msg);
            bad++;
            break;
        }
        if (st == LINEREADER_TOO_LONG) {
            lineno++;
            log_warn_at(name, lineno, "line of %zu bytes skipped (over %d)", len,
                        NDJSON_LINE_MAX);
            continue;
        }
        size_t at = 0;
        while (at < len) {
            /* The next record line: one that starts with '{'. */
            size_t rec = len;
            if (!opt.text) {
                if (data[at] == '{') {
                    rec = at;
                } else {
                    const char *hit = memmem(data + at, len - at, "\n{", 2);
                    rec = hit ? (size_t)(hit - data) + 1 : len;
                }
            }
            if (rec > at) {
                analyzer_text_block(a, data + at, rec - at);
                lineno += analyze_count_lines(data + at, rec - at);
            }
            if (rec == len)
                break;
            const char *nl = memchr(data + rec, '\n', len - rec);
            size_t end = nl ? (size_t)(nl - data) : len, n = end - rec;
            lineno++;
            if (n > 0 && data[rec + n - 1] == '\r')
                n--;
            jv r = ndjson_parse_line(data + rec, n, &err);
            if (jv_is_valid(r)) {
                /* A record handed back unchanged is written as it came. */
                o->input = jv_copy(r);
                o->line = data + rec;
                o->len = n;
                analyzer_record(a, r);
                jv_free(o->input);
                o->line = NULL;
            } else {
                jv_free(r);
                log_error_at(name, lineno, "%s", err.msg);
                bad++;
            }
            at = end + 1;
        }
        if (signals_stop_requested())
            break;
    }
    linereader_free(lr);
    return bad;
}

int main(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"text", '\0', POPT_ARG_NONE, &opt.text, 0, "treat every input line as text, even a {", NULL},
        {"all-states", '\0', POPT_ARG_NONE, &opt.all_states, 0, "diagnose SOFT problems too, not only HARD", NULL},
        {"window", '\0', POPT_ARG_STRING, &opt.window, 0, "group repeats within this time (default 60s)", "DURATION"},
        {"explain", '\0', POPT_ARG_NONE, &opt.explain, 0, "show the matched lines and why each scored as it did", NULL},
        {"list", '\0', POPT_ARG_NONE, &opt.list, 0, "list the signature catalog and exit", NULL},
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
    struct catalog *cat = NULL;
    struct analyzer *a = NULL;
    struct out o = {0};
    struct llm_config llm_cfg = {0};
    struct llm_session *session = NULL;
    if (!options_parse(pc, PROG, NULL, &status))
        goto out;
    int64_t window = ANALYZE_WINDOW_DEFAULT_MS;
    if (options_duration("--window", opt.window, &window, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        goto out;
    }
    char dir[CONFIG_PATH_MAX];
    bool have_dir = config_dir_resolve(heal_opts.config_dir, geteuid(), dir, &err) == 0;
    enum llm_mode mode = LLM_OFF;
    if (!opt.list && llm_start(opt.llm, opt.redact, have_dir ? dir : NULL, heal_opts.state_dir,
                               log_note, llm_ctx, &llm_cfg, &mode, &session, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        goto out;
    }
    unsigned problems = 0;
    cat = catalog_load(have_dir ? dir : NULL, report_catalog, NULL, &problems, &err);
    if (!cat) {
        log_error("catalog", "%s", err.msg);
        status = HEAL_EXIT_INTERNAL;
        goto out;
    }
    o.text = output_is_text();
    o.color = output_use_color();
    if (opt.list) {
        list_catalog(cat, o.text);
        status = problems ? HEAL_EXIT_BADINPUT : HEAL_EXIT_OK;
        goto out;
    }
    o.w = ndjson_writer_new(STDOUT_FILENO);
    a = analyzer_new(cat, window, opt.all_states, emit_analyzed, &o);
    if (session) {
        o.llm = llm_analyst_new(session, mode, window, emit, &o, log_note_level, llm_ctx);
        if (o.llm)
            analyzer_on_unmatched(a, llm_failure_line, llm_analyst_text_line, o.llm);
    }
    if (!o.w || !a || (session && !o.llm)) {
        log_error(NULL, "out of memory");
        status = HEAL_EXIT_INTERNAL;
        goto out;
    }
    analyzer_set_trace(a, heal_opts.trace);
    uint64_t bad = 0;
    const char *file = poptGetArg(pc);
    if (!file) {
        bad += analyze_fd(a, STDIN_FILENO, "-", &o);
    }
    for (; file; file = poptGetArg(pc)) {
        int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
        if (fd < 0) {
            log_error(file, "%s", strerror(errno));
            bad++;
            continue;
        }
        bad += analyze_fd(a, fd, file, &o);
        if (fd != STDIN_FILENO)
            close(fd);
    }
    analyzer_flush(a);
    if (o.llm)
        llm_analyst_flush(o.llm);
    struct analyze_stats st = analyzer_stats(a);
    st.diagnoses += o.llm ? llm_analyst_diagnoses(o.llm) : 0;
    char llm_stats[256];
    if (session) {
        llm_session_describe(session, llm_stats, sizeof llm_stats);
        log_info("llm", "%s", llm_stats);
    }
    if (o.w && ndjson_writer_flush(o.w, &err) != 0 && errno != EPIPE)
        log_error("stdout", "%s", err.msg);
    if (o.text && st.diagnoses + st.unclassified == 0)
        printf("no known failure found in %llu lines\n", (unsigned long long)st.lines);
    log_info(NULL, "%llu lines, %llu matched, %llu diagnoses, %llu unclassified",
             (unsigned long long)st.lines, (unsigned long long)st.matched,
             (unsigned long long)st.diagnoses, (unsigned long long)st.unclassified);
    status = bad || problems ? HEAL_EXIT_BADINPUT
             : st.diagnoses + st.unclassified ? HEAL_EXIT_UNHEALTHY
                                              : HEAL_EXIT_OK;
out:
    llm_analyst_free(o.llm);
    llm_session_free(session);
    llm_config_free(&llm_cfg);
    analyzer_free(a);
    catalog_free(cat);
    if (o.w)
        ndjson_writer_free(o.w, NULL);
    poptFreeContext(pc);
    free(opt.window);
    free(opt.llm);
    free(opt.redact);
    options_free();
    return status;
}
