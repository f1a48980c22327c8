/*
 * mcp_daemon.h — the heal-loop daemons heal-mcp starts and stops.
 *
 * A daemon is known by its pid file in the state directory, written by
 * heal-loop itself.  A pid file is believed only when the process it
 * names is alive and is heal-loop (/proc/PID/comm): a stale file, or a
 * pid reused by another program, means none runs.
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

/* The pid in pid_file if that process is alive and is heal-loop; else 0. */
pid_t mcp_daemon_running(const char *pid_file);

/* True if pid is alive and is heal-loop. */
bool mcp_daemon_is_loop(pid_t pid);

/* The end of a log file as one printable line, for an error message ("" if none). */
void mcp_daemon_log_tail(const char *log_file, char *out, size_t size);

#endif
