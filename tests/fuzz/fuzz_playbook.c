/*
 * fuzz_playbook.c — libFuzzer harness for the playbook loader: any bytes
 * as a playbook.d drop-in (the config_catalog validate path), then every
 * remedy that loaded filled from fixed labels and facts (some hostile).
 * A fill either succeeds or fails with a reason; nothing leaks.
 */
#include "playbook.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_problem(void *ctx, const char *message)
{
    (void)ctx;
    if (!message || !message[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned problems = 0;
    struct playbook *pb = playbook_load_buffer((const char *)data, size, "fuzz.json", false,
                                               on_problem, NULL, &problems);
    if (!pb)
        return 0;
    jv labels = jv_parse("{\"unit\":\"nginx\",\"path\":\"/var/log\",\"start_command\":\"/bin/x\"}");
    jv facts = jv_parse("{\"unit\":\"web-1\",\"path\":\"../../etc\",\"port\":\"-rf\"}");
    for (size_t i = 0; i < playbook_size(pb); i++) {
        const struct remedy *r = playbook_get(pb, i);
        (void)playbook_applies(r, "disk.full");
        struct playbook_filled f;
        struct heal_error err;
        if (playbook_fill(r, labels, facts, &f, &err) == 0) /* both borrowed */
            playbook_filled_free(&f);
        else if (!err.msg[0])
            abort();
    }
    jv_free(labels);
    jv_free(facts);
    playbook_free(pb);
    return 0;
}
