#include "check_watch.h"

#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int check_watch_timer(int64_t delay_ms)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (fd < 0)
        return -1;
    /* An all-zero it_value disarms a timer: "at once" is one nanosecond. */
    struct itimerspec its = {.it_value = {.tv_sec = 0, .tv_nsec = 1}};
    if (delay_ms > 0) {
        its.it_value.tv_sec = (time_t)(delay_ms / 1000);
        its.it_value.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
    }
    if (timerfd_settime(fd, 0, &its, NULL) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void check_watch_close_fd(struct check_def *def)
{
    if (def->watch_fd >= 0)
        close(def->watch_fd);
    def->watch_fd = -1;
    free(def->watch_data);
    def->watch_data = NULL;
}
