#include "exitcode.h"
#include "options.h"
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

/* The table a program would have: one option of its own and the common ones. */
static char *own;
static struct poptOption table[] = {
    {"own", '\0', POPT_ARG_STRING, &own, 0, "an option of the program's own", "X"},
    HEAL_COMMON_OPTIONS,
    POPT_TABLEEND,
};

/* Parses argv as a program would; *pc is left for the caller to inspect and free. */
static bool parse(int argc, const char **argv, int *status, poptContext *pc)
{
    options_free();
    free(own);
    own = NULL;
    heal_opts = (struct heal_options){0};
    *status = -1;
    *pc = poptGetContext("heal-test", argc, argv, table, 0);
    /* --version prints on stdout, which is the TAP stream here. */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    bool go_on = options_parse(*pc, "heal-test", NULL, status);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(null);
    return go_on;
}

static void test_parse(void)
{
    poptContext pc;
    int status;

    const char *plain[] = {"heal-test", "--own", "x", "--format=json", "file", NULL};
    CHECK(parse(5, plain, &status, &pc), "good options go on");
    CHECK(own && !strcmp(own, "x") && heal_opts.output == OUTPUT_JSON,
          "the program's own and the common options are both set");
    CHECK(poptPeekArg(pc) && !strcmp(poptPeekArg(pc), "file"), "the arguments are left to read");
    poptFreeContext(pc);

    const char *bad[] = {"heal-test", "--no-such", NULL};
    CHECK(!parse(2, bad, &status, &pc) && status == HEAL_EXIT_USAGE,
          "an unknown option stops with the usage status");
    poptFreeContext(pc);

    const char *missing[] = {"heal-test", "--own", NULL};
    CHECK(!parse(2, missing, &status, &pc) && status == HEAL_EXIT_USAGE,
          "an option without its argument stops with the usage status");
    poptFreeContext(pc);

    const char *format[] = {"heal-test", "--format=xml", NULL};
    CHECK(!parse(2, format, &status, &pc) && status == HEAL_EXIT_USAGE,
          "a bad common option stops with the usage status");
    poptFreeContext(pc);

    const char *version[] = {"heal-test", "--version", NULL};
    CHECK(!parse(2, version, &status, &pc) && status == HEAL_EXIT_OK,
          "--version stops with status 0");
    poptFreeContext(pc);

    options_free();
    free(own);
}

int main(void)
{
    test_parse();
    return unit_done();
}
