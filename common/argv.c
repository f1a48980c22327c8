#include "argv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

char **argv_split(const char *line, struct heal_error *err)
{
    size_t len = strlen(line);
    if (len > ARGV_TEXT_MAX) {
        heal_error_set(err, "command line longer than %d bytes", ARGV_TEXT_MAX);
        return NULL;
    }
    char **argv = calloc(ARGV_WORDS_MAX + 1, sizeof *argv);
    char *word = malloc(len + 1);
    if (!argv || !word) {
        free(argv);
        free(word);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    size_t n = 0, w = 0;
    bool in_word = false;
    const char *p = line;
    const char *problem = NULL;
    while (*p && !problem) {
        char c = *p++;
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                if (n == ARGV_WORDS_MAX) {
                    problem = "too many words";
                    break;
                }
                word[w] = '\0';
                argv[n++] = strdup(word);
                w = 0;
                in_word = false;
            }
            continue;
        }
        in_word = true;
        if (c == '\'') {
            while (*p && *p != '\'')
                word[w++] = *p++;
            if (!*p)
                problem = "unterminated single quote";
            else
                p++;
        } else if (c == '"') {
            while (*p && *p != '"') {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                word[w++] = *p++;
            }
            if (!*p)
                problem = "unterminated double quote";
            else
                p++;
        } else if (c == '\\') {
            if (!*p)
                problem = "backslash at the end";
            else
                word[w++] = *p++;
        } else {
            word[w++] = c;
        }
    }
    if (!problem && in_word) {
        if (n == ARGV_WORDS_MAX) {
            problem = "too many words";
        } else {
            word[w] = '\0';
            argv[n++] = strdup(word);
        }
    }
    free(word);
    if (!problem && n == 0)
        problem = "empty command";
    if (problem) {
        argv_free(argv);
        heal_error_set(err, "%s", problem);
        return NULL;
    }
    return argv;
}
