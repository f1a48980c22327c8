/*
 * exitcode.h — every exit status a heal program may return, in one place.
 *
 * heal-check follows the Nagios plugin convention (worst check status);
 * every other program uses the HEAL_EXIT_* codes.  Man pages list these
 * under EXIT STATUS.
 */
#ifndef HEAL_EXITCODE_H
#define HEAL_EXITCODE_H

enum heal_exit {
    HEAL_EXIT_OK = 0,        /* success */
    HEAL_EXIT_UNHEALTHY = 1, /* work done, but something remains unhealthy */
    HEAL_EXIT_USAGE = 2,     /* bad command line */
    HEAL_EXIT_INTERNAL = 3,  /* internal or environment error */
    HEAL_EXIT_BADINPUT = 4,  /* some input lines were bad and skipped */
};

enum nagios_status {
    NAGIOS_OK = 0,
    NAGIOS_WARNING = 1,
    NAGIOS_CRITICAL = 2,
    NAGIOS_UNKNOWN = 3,
};

#endif
