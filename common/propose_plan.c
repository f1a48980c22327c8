/* propose_plan.c — a proposal as a plan a person reads at a terminal (see propose.h). */
#include "propose.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROPOSE_SHOW_MAX 1024 /* bytes of one field shown */

/* Prints outside text with control characters neutralised. */
static void show(FILE *f, const char *s)
{
    for (size_t i = 0; s && s[i] && i < PROPOSE_SHOW_MAX; i++)
        fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], f);
}

/* An argv as a shell user would type it: quoted only where needed. */
static void show_argv(FILE *f, jv argv)
{
    for (int i = 0; i < jv_array_length(jv_copy(argv)); i++) {
        jv e = jv_array_get(jv_copy(argv), i);
        const char *s = jv_get_kind(e) == JV_KIND_STRING ? jv_string_value(e) : "?";
        bool plain = *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789_./:=@%+,-") == strlen(s);
        fprintf(f, "%s%s", i ? " " : "", plain ? "" : "'");
        show(f, s);
        fprintf(f, "%s", plain ? "" : "'");
        jv_free(e);
    }
}

static void show_verify(FILE *f, jv v)
{
    jv rc = jv_object_get(jv_copy(v), jv_string("recheck"));
    jv at = jv_object_get(jv_copy(v), jv_string("attempts"));
    jv de = jv_object_get(jv_copy(v), jv_string("delay"));
    if (jv_get_kind(rc) == JV_KIND_FALSE) {
        fprintf(f, "not re-checked");
    } else {
        int n = jv_get_kind(at) == JV_KIND_NUMBER ? (int)jv_number_value(at) : 1;
        fprintf(f, "re-run the check, up to %d time%s", n, n == 1 ? "" : "s");
        if (jv_get_kind(de) == JV_KIND_STRING) {
            fprintf(f, ", first after ");
            show(f, jv_string_value(de));
        }
    }
    jv_free(rc), jv_free(at), jv_free(de);
}

static void show_plan(FILE *f, const jv *p, bool color)
{
    const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    fprintf(f, "%s", bold);
    show(f, record_string_borrow(p, "target"));
    fprintf(f, "%s  ", off);
    show(f, record_string_borrow(p, "signature"));
    fprintf(f, "  ");
    show(f, record_string_borrow(p, "summary"));
    fprintf(f, "\n");
    jv cs = jv_object_get(jv_copy(*p), jv_string("candidates"));
    int n = jv_array_length(jv_copy(cs));
    for (int i = 0; i < n; i++) {
        jv c = jv_array_get(jv_copy(cs), i);
        fprintf(f, "  %d. %s", i + 1, bold);
        show(f, record_string_borrow(&c, "title"));
        fprintf(f, "%s [", off);
        show(f, record_string_borrow(&c, "remedy"));
        jv score = jv_object_get(jv_copy(c), jv_string("score"));
        fprintf(f, "] score %.3f\n",
                jv_get_kind(score) == JV_KIND_NUMBER ? jv_number_value(score) : 0);
        jv argv = jv_object_get(jv_copy(c), jv_string("argv"));
        jv pre = jv_object_get(jv_copy(c), jv_string("precondition"));
        jv rb = jv_object_get(jv_copy(c), jv_string("rollback"));
        jv verify = jv_object_get(jv_copy(c), jv_string("verify"));
        if (jv_get_kind(pre) == JV_KIND_OBJECT) {
            jv pa = jv_object_get(jv_copy(pre), jv_string("argv"));
            jv ex = jv_object_get(jv_copy(pre), jv_string("exit"));
            fprintf(f, "     only if:  ");
            show_argv(f, pa);
            fprintf(f, "  exits %d\n",
                    jv_get_kind(ex) == JV_KIND_NUMBER ? (int)jv_number_value(ex) : 0);
            jv_free(pa), jv_free(ex);
        }
        fprintf(f, "     run:      ");
        if (jv_get_kind(argv) == JV_KIND_ARRAY)
            show_argv(f, argv);
        else
            fprintf(f, "nothing: wait, then re-check");
        fprintf(f, "\n     verify:   ");
        show_verify(f, verify);
        fprintf(f, "\n     undo:     ");
        if (jv_get_kind(rb) == JV_KIND_ARRAY)
            show_argv(f, rb);
        else
            fprintf(f, "no rollback");
        fprintf(f, "\n     risk:     ");
        show(f, record_string_borrow(&c, "risk"));
        fprintf(f, "; approval ");
        show(f, record_string_borrow(&c, "approval"));
        fprintf(f, "\n     why:      ");
        show(f, record_string_borrow(&c, "rationale"));
        fprintf(f, "\n");
        jv_free(argv), jv_free(pre), jv_free(rb), jv_free(verify), jv_free(score), jv_free(c);
    }
    if (n == 0) {
        fprintf(f, "  no remedy: ");
        show(f, record_string_borrow(p, "rationale"));
        fprintf(f, "\n");
    } else {
        jv dropped = jv_object_get(jv_copy(*p), jv_string("dropped"));
        for (int i = 0; i < jv_array_length(jv_copy(dropped)); i++) {
            jv d = jv_array_get(jv_copy(dropped), i);
            fprintf(f, "  dropped ");
            show(f, record_string_borrow(&d, "remedy"));
            fprintf(f, ": ");
            show(f, record_string_borrow(&d, "reason"));
            fprintf(f, "\n");
            jv_free(d);
        }
        jv_free(dropped);
    }
    jv_free(cs);
}

char *propose_plan(const jv *proposal, bool color)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    show_plan(f, proposal, color);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
