/* llm_prompt.c — heal's framing around bounded, fenced evidence (see llm_prompt.h). */
#include "llm_prompt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int llm_prompt_open(struct llm_prompt *p, size_t evidence_budget)
{
    *p = (struct llm_prompt){NULL, NULL, 0, evidence_budget};
    p->f = open_memstream(&p->text, &p->len);
    return p->f ? 0 : -1;
}

void llm_prompt_line(struct llm_prompt *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->f, fmt, ap);
    va_end(ap);
    fputc('\n', p->f);
}

void llm_prompt_evidence(struct llm_prompt *p, const char *label, const char *text, size_t len)
{
    size_t n = len < p->budget ? len : p->budget;
    while (n > 0 && n < len && ((unsigned char)text[n] & 0xc0) == 0x80)
        n--; /* never cut inside a UTF-8 sequence */
    fprintf(p->f, "%s:\n%s\n", label, LLM_EVIDENCE_BEGIN);
    /* NUL bytes would end the text early: shown as spaces. */
    for (size_t i = 0; i < n; i++)
        fputc(text[i] ? text[i] : ' ', p->f);
    if (n > 0 && text[n - 1] != '\n')
        fputc('\n', p->f);
    if (n < len)
        fprintf(p->f, "[... %zu more bytes not shown]\n", len - n);
    fprintf(p->f, "%s\n", LLM_EVIDENCE_END);
    p->budget -= n;
}

void llm_prompt_evidence_jv(struct llm_prompt *p, const char *label, jv value)
{
    if (!jv_is_valid(value) || jv_get_kind(value) == JV_KIND_NULL)
        return;
    if (jv_get_kind(value) == JV_KIND_STRING) {
        llm_prompt_evidence(p, label, jv_string_value(value),
                            (size_t)jv_string_length_bytes(jv_copy(value)));
        return;
    }
    if (jv_get_kind(value) == JV_KIND_ARRAY) {
        /* Lines of evidence read best one per line. */
        jv text = jv_string("");
        for (int i = 0; i < jv_array_length(jv_copy(value)); i++) {
            jv e = jv_array_get(jv_copy(value), i);
            text = jv_get_kind(e) == JV_KIND_STRING ? jv_string_concat(text, e)
                                                    : jv_string_concat(text, jv_dump_string(e, 0));
            text = jv_string_append_str(text, "\n");
        }
        llm_prompt_evidence(p, label, jv_string_value(text),
                            (size_t)jv_string_length_bytes(jv_copy(text)));
        jv_free(text);
        return;
    }
    jv dumped = jv_dump_string(jv_copy(value), 0);
    llm_prompt_evidence(p, label, jv_string_value(dumped),
                        (size_t)jv_string_length_bytes(jv_copy(dumped)));
    jv_free(dumped);
}

char *llm_prompt_close(struct llm_prompt *p, size_t *len)
{
    if (fclose(p->f) != 0) {
        free(p->text);
        return NULL;
    }
    *len = p->len;
    return p->text;
}
