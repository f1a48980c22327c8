#include "signals.h"
#include "clock.h"

#include <poll.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking read returns EINTR so the loop sees the flag. */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool signals_stop_requested(void)
{
    return stop_signal != 0;
}

bool signals_pause(int64_t ms)
{
    int64_t end = clock_mono_ms() + ms;
    for (;;) {
        if (signals_stop_requested())
            return false;
        int64_t left = end - clock_mono_ms();
        if (left <= 0)
            return true;
        poll(NULL, 0, (int)(left < SIGNALS_PAUSE_SLICE_MS ? left : SIGNALS_PAUSE_SLICE_MS));
    }
}
