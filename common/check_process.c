/*
 * The process kind: how many processes match, as check_procs counts them.
 * Processes are chosen by a pidfile, or by scanning /proc for a command
 * name (comm), a PCRE2 regex on the command line, a user and a state.
 * The definition's warn/crit apply to the count; with neither given, at
 * least one must run (crit "1:").
 *
 * A zombie has exited: it counts only when `state` asks for zombies, and a
 * pidfile naming one is stale.  When exactly one live process is watched,
 * --watch holds a pidfd on it, so its exit is seen at once; when a pidfile
 * names no live process, --watch holds an inotify watch on the pidfile, so
 * a restart (the file rewritten) is seen at once too, and the next exit
 * after it is not left to the interval.
 */
#include "check.h"
#include "check_regex.h"
#include "check_watch.h"
#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROCESS_EVIDENCE_PIDS_MAX 20
#define PROCESS_CMDLINE_MAX 4096 /* bytes of a command line matched; the rest is ignored */
#define PROCESS_STAT_MAX 1024    /* /proc/PID/stat is ~300 bytes plus a 15-byte comm */
#define PROCESS_PIDFILE_MAX 64   /* a pid and a newline; anything longer is not a pidfile */
#define PROCESS_COMM_LEN 16      /* the kernel's TASK_COMM_LEN, NUL included */
#define PROCESS_STATES_MAX 16
#define PROCESS_SUMMARY_MAX 2048
/* A pidfile that keeps changing is looked at no more often than this. */
#define PROCESS_WATCH_GAP_MS 20

static const struct config_field process_fields[] = {
    {"pidfile", CONFIG_STRING, false},
    {"process", CONFIG_STRING, false},
    {"cmdline", CONFIG_STRING, false},
    {"user", CONFIG_STRING | CONFIG_NUMBER, false},
    {"state", CONFIG_STRING, false},
    {NULL, 0, false},
};

struct process_settings {
    char *pidfile, *process, *cmdline, *user, *states;
    struct check_regex *cmdline_re;
    bool has_uid;
    uid_t uid;
    /* The one live process the last run found, for watch_open; 0: none. */
    pid_t watch_pid;
    unsigned long long watch_start;
    /* The pidfile as the last run saw it, to notice a change before the watch. */
    bool pidfile_seen;
    struct stat pidfile_st;
    int64_t last_run_mono_ms;
};

struct proc_info {
    pid_t pid;
    char comm[PROCESS_COMM_LEN];
    char state;
    unsigned long long start; /* clock ticks after boot: tells a reused pid apart */
    uid_t uid;
};

static char *get_string(const jv *o, const char *key)
{
    jv v = jv_object_get(jv_copy(*o), jv_string(key));
    char *s = jv_get_kind(v) == JV_KIND_STRING ? strdup(jv_string_value(v)) : NULL;
    jv_free(v);
    return s;
}

static int resolve_user(struct process_settings *p, const jv *def, struct heal_error *err)
{
    jv v = jv_object_get(jv_copy(*def), jv_string("user"));
    int rc = 0;
    if (jv_get_kind(v) == JV_KIND_NUMBER) {
        double d = jv_number_value(v);
        if (d < 0 || d > (double)UINT32_MAX - 1 || d != (double)(uid_t)d) {
            rc = heal_error_set(err, "field 'user': %g is not a uid", d);
        } else {
            p->uid = (uid_t)d;
            p->has_uid = true;
            char buf[32];
            snprintf(buf, sizeof buf, "%u", (unsigned)p->uid);
            p->user = strdup(buf);
        }
    } else if (jv_get_kind(v) == JV_KIND_STRING) {
        const char *name = jv_string_value(v);
        char *end;
        errno = 0;
        unsigned long n = strtoul(name, &end, 10);
        struct passwd *pw = getpwnam(name);
        if (pw) {
            p->uid = pw->pw_uid;
        } else if (name[0] >= '0' && name[0] <= '9' && !*end && !errno && n < UINT32_MAX) {
            p->uid = (uid_t)n;
        } else {
            rc = heal_error_set(err, "field 'user': no user '%s'", name);
        }
        p->has_uid = rc == 0;
        p->user = strdup(name);
    }
    jv_free(v);
    return rc;
}

static int process_prepare(struct check_def *def, struct heal_error *err)
{
    struct process_settings *p = calloc(1, sizeof *p);
    if (!p)
        return heal_error_set(err, "out of memory");
    def->kind_data = p;
    p->pidfile = get_string(&def->def, "pidfile");
    p->process = get_string(&def->def, "process");
    p->cmdline = get_string(&def->def, "cmdline");
    p->states = get_string(&def->def, "state");
    if (p->pidfile && !p->pidfile[0])
        return heal_error_set(err, "field 'pidfile' must not be empty");
    if (p->process && (!p->process[0] || strchr(p->process, '/')))
        return heal_error_set(err, "field 'process' must be a command name, without '/'");
    if (p->states) {
        size_t n = strlen(p->states);
        if (n == 0 || n > PROCESS_STATES_MAX || strspn(p->states, "RSDZTtWXxKPI") != n)
            return heal_error_set(err, "field 'state' must be state letters such as \"Z\" or "
                                       "\"DR\" (as ps shows them)");
    }
    if (p->cmdline) {
        struct heal_error e;
        if (!(p->cmdline_re = check_regex_compile(p->cmdline, &e)))
            return heal_error_set(err, "field 'cmdline': %s", e.msg);
    }
    if (resolve_user(p, &def->def, err) != 0)
        return -1;
    /* Thresholds on a count: by default, "it must run" means at least one. */
    if (!def->has_warn && !def->has_crit)
        return check_default_thresholds(def, NULL, "1:", err);
    return 0;
}

static void process_release(struct check_def *def)
{
    struct process_settings *p = def->kind_data;
    free(p->pidfile);
    free(p->process);
    free(p->cmdline);
    free(p->user);
    free(p->states);
    check_regex_free(p->cmdline_re);
    free(p);
    def->kind_data = NULL;
}

/* Reads at most size - 1 bytes of a small file; returns the length or -1 (errno set). */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    size_t len = 0;
    ssize_t got = 0;
    while (len < size - 1 && (got = read(fd, buf + len, size - 1 - len)) > 0)
        len += (size_t)got;
    int saved = errno;
    close(fd);
    if (got < 0) {
        errno = saved;
        return -1;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Fills info from /proc/PID/stat; -1 when the process is gone (or hidden). */
static int proc_read(pid_t pid, struct proc_info *info)
{
    char path[64], buf[PROCESS_STAT_MAX];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, sizeof buf) <= 0)
        return -1;
    /* The comm may hold ')' and spaces: it ends at the last ')'. */
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
        return -1;
    size_t n = (size_t)(close_paren - open_paren - 1);
    if (n >= sizeof info->comm)
        n = sizeof info->comm - 1;
    memcpy(info->comm, open_paren + 1, n);
    info->comm[n] = '\0';
    info->pid = pid;
    info->state = close_paren[2];
    /* starttime is field 22; the state was field 3. */
    const char *f = close_paren + 3;
    for (int i = 4; i < 22 && f; i++) {
        f = strchr(f, ' ');
        if (f)
            f++;
    }
    info->start = f ? strtoull(f, NULL, 10) : 0;
    /* /proc/PID belongs to the process's effective uid, as ps's USER shows it. */
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    if (stat(path, &st) != 0)
        return -1;
    info->uid = st.st_uid;
    return 0;
}

/* The command line with NULs as spaces, as ps -o args shows it. */
static size_t proc_cmdline(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    ssize_t n = read_small(path, buf, size);
    if (n <= 0)
        return 0;
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return (size_t)n;
}

static bool name_matches(const struct process_settings *p, const struct proc_info *info)
{
    size_t want = strlen(p->process);
    if (want < PROCESS_COMM_LEN - 1)
        return strcmp(info->comm, p->process) == 0;
    /* The kernel keeps 15 bytes of a name: confirm a long one by argv[0]. */
    if (strncmp(info->comm, p->process, PROCESS_COMM_LEN - 1) != 0)
        return false;
    char buf[PROCESS_CMDLINE_MAX];
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)info->pid);
    if (read_small(path, buf, sizeof buf) <= 0)
        return false;
    const char *base = strrchr(buf, '/');
    return strcmp(base ? base + 1 : buf, p->process) == 0;
}

/* Whether a live process passes every filter but the pidfile. */
static bool proc_matches(const struct process_settings *p, const struct proc_info *info)
{
    if (info->state == 'Z' && !(p->states && strchr(p->states, 'Z')))
        return false;
    if (p->states && !strchr(p->states, info->state))
        return false;
    if (p->has_uid && info->uid != p->uid)
        return false;
    if (p->process && !name_matches(p, info))
        return false;
    if (p->cmdline_re) {
        char buf[PROCESS_CMDLINE_MAX];
        size_t n = proc_cmdline(info->pid, buf, sizeof buf);
        if (check_regex_match(p->cmdline_re, buf, n) != 1)
            return false;
    }
    return true;
}

/* "command name 'nginx', args 'x'": what was counted, for the summary. */
static void describe(const struct process_settings *p, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t len = 0;
#define PART(...)                                                                                  \
    do {                                                                                           \
        if (len < size)                                                                            \
            len += (size_t)snprintf(buf + len, size - len, "%s", len ? ", " : " with ");           \
        if (len < size)                                                                            \
            len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__);                           \
    } while (0)
    if (p->pidfile)
        PART("pidfile '%s'", p->pidfile);
    if (p->states)
        PART("status '%s'", p->states);
    if (p->user)
        PART("user '%s'", p->user);
    if (p->process)
        PART("command name '%s'", p->process);
    if (p->cmdline)
        PART("args '%s'", p->cmdline);
#undef PART
}

/* Reads the pidfile; returns the pid, 0 when absent or not a pid, -1 on another error. */
static pid_t read_pidfile(const char *path, jv *pf, struct heal_error *err)
{
    char buf[PROCESS_PIDFILE_MAX];
    ssize_t n = read_small(path, buf, sizeof buf);
    if (n < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            *pf = jv_object_set(*pf, jv_string("error"), jv_string("missing"));
            return 0;
        }
        heal_error_errno(err, "%s", path);
        return -1;
    }
    char *end;
    errno = 0;
    long pid = strtol(buf, &end, 10);
    while (*end == '\n' || *end == ' ' || *end == '\r' || *end == '\t')
        end++;
    if (end == buf || *end || errno || pid < 1 || pid > INT_MAX) {
        *pf = jv_object_set(*pf, jv_string("error"), jv_string("not a pid"));
        return 0;
    }
    *pf = jv_object_set(*pf, jv_string("pid"), jv_number((double)pid));
    return (pid_t)pid;
}

static int process_start(struct check_task *task, struct check_result *r)
{
    struct check_def *def = task->def;
    struct process_settings *p = def->kind_data;
    jv pids = jv_array();
    int count = 0;
    struct proc_info one = {0};
    struct heal_error err;
    char what[PROCESS_SUMMARY_MAX];
    describe(p, what, sizeof what);
    p->watch_pid = 0;
    p->last_run_mono_ms = clock_mono_ms();
    if (p->pidfile) {
        p->pidfile_seen = stat(p->pidfile, &p->pidfile_st) == 0;
        jv pf = jv_object_set(jv_object(), jv_string("path"), jv_string(p->pidfile));
        pid_t pid = read_pidfile(p->pidfile, &pf, &err);
        if (pid < 0) {
            jv_free(pf);
            jv_free(pids);
            check_result_set(r, NAGIOS_UNKNOWN, "PROCS UNKNOWN: cannot read pidfile %s", err.msg);
            return 1;
        }
        struct proc_info info;
        bool alive = pid > 0 && proc_read(pid, &info) == 0 && info.state != 'Z';
        if (pid > 0) {
            /* A pid reused by another program is as stale as a dead one. */
            bool stale = !alive || !proc_matches(p, &info);
            pf = jv_object_set(pf, jv_string("stale"), jv_bool(stale));
            if (alive)
                pf = jv_object_set(pf, jv_string("comm"), jv_string(info.comm));
            if (!stale) {
                count = 1;
                one = info;
                pids = jv_array_append(pids, jv_number(pid));
            }
        }
        r->evidence = jv_object_set(r->evidence, jv_string("pidfile"), pf);
    } else {
        DIR *d = opendir("/proc");
        if (!d) {
            jv_free(pids);
            check_result_set(r, NAGIOS_UNKNOWN, "PROCS UNKNOWN: cannot read /proc: %s",
                             strerror(errno));
            return 1;
        }
        pid_t self = getpid();
        struct dirent *e;
        while ((e = readdir(d))) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            if (*end || pid < 1 || pid > INT_MAX || pid == self)
                continue; /* not a process, or heal-check itself (as check_procs skips itself) */
            struct proc_info info;
            if (proc_read((pid_t)pid, &info) != 0 || !proc_matches(p, &info))
                continue;
            if (++count == 1)
                one = info;
            if (count <= PROCESS_EVIDENCE_PIDS_MAX)
                pids = jv_array_append(pids, jv_number((double)pid));
        }
        closedir(d);
    }
    if (count == 1 && one.state != 'Z') {
        p->watch_pid = one.pid;
        p->watch_start = one.start;
    }
    enum nagios_status status = check_evaluate(def, count);
    static const char *const word[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    const char *stale = "";
    jv pf = jv_object_get(jv_copy(r->evidence), jv_string("pidfile"));
    jv st = jv_get_kind(pf) == JV_KIND_OBJECT ? jv_object_get(jv_copy(pf), jv_string("stale"))
                                              : jv_invalid();
    if (jv_get_kind(st) == JV_KIND_TRUE)
        stale = " (stale pidfile)";
    jv_free(st);
    jv_free(pf);
    check_result_set(r, status, "PROCS %s: %d process%s%s%s", word[status & 3], count,
                     count == 1 ? "" : "es", what, stale);
    check_result_perf(r, "procs", count, "", def->warn_text, def->crit_text, 0, NAN);
    r->evidence = jv_object_set(r->evidence, jv_string("count"), jv_number(count));
    r->evidence = jv_object_set(r->evidence, jv_string("pids"), pids);
    if (count > PROCESS_EVIDENCE_PIDS_MAX)
        r->evidence = jv_object_set(r->evidence, jv_string("pids_truncated"), jv_true());
    return 1;
}

static bool pidfile_changed(const struct process_settings *p)
{
    struct stat st;
    bool now = stat(p->pidfile, &st) == 0;
    if (now != p->pidfile_seen)
        return true;
    return now && (st.st_ino != p->pidfile_st.st_ino || st.st_size != p->pidfile_st.st_size ||
                   st.st_mtim.tv_sec != p->pidfile_st.st_mtim.tv_sec ||
                   st.st_mtim.tv_nsec != p->pidfile_st.st_mtim.tv_nsec);
}

/* Nothing runs: wait for the pidfile to be written (or to appear). */
static int pidfile_watch_open(const struct process_settings *p)
{
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0)
        return -1;
    if (inotify_add_watch(fd, p->pidfile,
                          IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF) <
        0) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", p->pidfile);
        if (inotify_add_watch(fd, dirname(dir), IN_CREATE | IN_MOVED_TO) < 0) {
            close(fd);
            return -1; /* the interval will do */
        }
    }
    /* Armed only now: a rewrite since the run raised no event. */
    if (pidfile_changed(p)) {
        close(fd);
        return check_watch_timer(p->last_run_mono_ms + PROCESS_WATCH_GAP_MS - clock_mono_ms());
    }
    return fd;
}

static int process_watch_open(struct check_def *def)
{
    struct process_settings *p = def->kind_data;
    if (p && p->watch_pid <= 0 && p->pidfile)
        return pidfile_watch_open(p);
    if (!p || p->watch_pid <= 0)
        return -1;
    int fd = pidfd_open(p->watch_pid, 0);
    if (fd < 0)
        /* Gone since the run (ESRCH), or no pidfds here (ENOSYS): look now, or poll. */
        return errno == ESRCH ? check_watch_timer(0) : -1;
    /* The pid may have been reused after the run: then the watched one is gone. */
    struct proc_info info;
    if (proc_read(p->watch_pid, &info) != 0 || info.start != p->watch_start) {
        close(fd);
        return check_watch_timer(0);
    }
    return fd;
}

const struct check_kind check_kind_process = {
    .name = "process",
    .fields = process_fields,
    .prepare = process_prepare,
    .release = process_release,
    .start = process_start,
    .watch_open = process_watch_open,
    .watch_close = check_watch_close_fd,
};
