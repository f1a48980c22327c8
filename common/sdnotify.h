/*
 * sdnotify.h — the systemd notification protocol, spoken directly.
 *
 * One datagram of newline-separated KEY=VALUE lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET ('/' a path, '@' an abstract name), as
 * sd_notify(3) describes; no libsystemd.  With the variable unset nothing
 * is sent and 0 is returned: running outside systemd is not an error.
 * The watchdog interval is $WATCHDOG_USEC, honoured only when
 * $WATCHDOG_PID is unset or is our pid; pings go at half of it.
 */
#ifndef HEAL_SDNOTIFY_H
#define HEAL_SDNOTIFY_H
#include "error.h"
#include <stdint.h>

/* Sends state (e.g. "READY=1\nSTATUS=..."); 0 sent or nothing to send, -1 with err. */
int sdnotify_send(const char *state, struct heal_error *err);
/* Milliseconds between WATCHDOG=1 pings, or 0 when no watchdog is asked for. */
int64_t sdnotify_watchdog_ms(void);
#endif
