#include "mcp_daemon.h"
#include "excerpt.h"
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MCP_LOG_TAIL_BYTES 600

bool mcp_daemon_is_loop(pid_t pid)
{
    if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
        return false;
    char path[64], comm[32] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    if (!fgets(comm, sizeof comm, f))
        comm[0] = '\0';
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    /* A zombie still has its comm; its state says it is gone. */
    char stat_path[64], stat[256] = "";
    snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", (int)pid);
    int fd = open(stat_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, stat, sizeof stat - 1);
        stat[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    const char *paren = strrchr(stat, ')');
    if (paren && paren[1] == ' ' && paren[2] == 'Z')
        return false;
    return strcmp(comm, MCP_DAEMON_PROGRAM) == 0;
}

pid_t mcp_daemon_running(const char *pid_file)
{
    pid_t pid;
    /* heal-loop holds its pid file's lock while it runs: the lock says, not
     * the pid; the holder must still be heal-loop, not a program that
     * inherited the descriptor. */
    return pidfile_probe(pid_file, &pid, NULL) == 1 && mcp_daemon_is_loop(pid) ? pid : 0;
}

void mcp_daemon_log_tail(const char *log_file, char *out, size_t size)
{
    out[0] = '\0';
    int fd = open(log_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[MCP_LOG_TAIL_BYTES];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
    ssize_t n = pread(fd, buf, sizeof buf, from);
    close(fd);
    if (n <= 0)
        return;
    size_t len = (size_t)n;
    while (len > 0 && buf[len - 1] == '\n')
        len--;
    /* The last line says most: heal-loop's own reason for stopping. */
    const char *start = buf;
    for (size_t i = len; i > 0; i--) {
        if (buf[i - 1] == '\n') {
            start = buf + i;
            break;
        }
    }
    excerpt_printable(start, len - (size_t)(start - buf), out, size);
}
