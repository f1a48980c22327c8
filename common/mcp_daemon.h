/*
 * mcp_daemon.h — the heal-loop daemons heal-mcp starts and stops.
 *
 * A daemon is known by its pid file in the state directory, written and
 * locked by heal-loop itself (pidfile.h): a daemon runs while the lock is
 * held, so a stale file never counts.  A daemon just started is watched
 * by its pid until it has taken its pid file, or died trying.
 */
#ifndef HEAL_MCP_DAEMON_H
#define HEAL_MCP_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MCP_DAEMON_PROGRAM "heal-loop"
#define MCP_MONITOR_PID_FILE "heal-loop-monitor.pid"
#define MCP_MONITOR_LOG_FILE "heal-loop-monitor.log"
#define MCP_LOOP_PID_FILE "heal-loop.pid"
#define MCP_LOOP_LOG_FILE "heal-loop.log"

/* The pid of the heal-loop that holds pid_file's lock; 0 if none does. */
pid_t mcp_daemon_running(const char *pid_file);

/* True if pid is alive (not a zombie) and is heal-loop (/proc/PID/comm). */
bool mcp_daemon_is_loop(pid_t pid);

/* The end of a log file as one printable line, for an error message ("" if none). */
void mcp_daemon_log_tail(const char *log_file, char *out, size_t size);

#endif
