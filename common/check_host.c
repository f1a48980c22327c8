/*
 * Local host kinds: disk, memory, swap, load and filehandles.  Each reads
 * the kernel's own accounting (statvfs, /proc) and finishes at once.
 * Their warn/crit apply to a percentage used (load: per core).
 */
#include "check.h"
#include "size.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define HOST_MOUNTS_MAX 256
#define HOST_LINE_MAX 4096

static enum nagios_status worse(enum nagios_status a, enum nagios_status b)
{
    /* Nagios order of badness: CRITICAL > WARNING > UNKNOWN > OK. */
    static const int rank[] = {0, 2, 3, 1};
    return rank[b] > rank[a] ? b : a;
}

/* ---- disk ---- */

static const struct config_field disk_fields[] = {
    {"path", CONFIG_STRING, false},
    {"inode_warn", CONFIG_STRING | CONFIG_NUMBER, false},
    {"inode_crit", CONFIG_STRING | CONFIG_NUMBER, false},
    {NULL, 0, false},
};

struct disk_settings {
    struct range inode_warn, inode_crit;
    char *inode_warn_text, *inode_crit_text;
};

static int read_range_field(const jv *o, const char *key, const char *fallback, struct range *r,
                            char **text, struct heal_error *err)
{
    jv v = jv_object_get(jv_copy(*o), jv_string(key));
    char buf[64];
    const char *s = fallback;
    if (jv_get_kind(v) == JV_KIND_STRING)
        s = jv_string_value(v);
    else if (jv_get_kind(v) == JV_KIND_NUMBER)
        snprintf(buf, sizeof buf, "%.17g", jv_number_value(v)), s = buf;
    struct heal_error e;
    int rc = range_parse(s, r, &e);
    if (rc != 0)
        heal_error_set(err, "field '%s': %s", key, e.msg);
    else
        *text = strdup(s);
    jv_free(v);
    return rc;
}

static int disk_prepare(struct check_def *def, struct heal_error *err)
{
    if (check_default_thresholds(def, "80", "90", err) != 0)
        return -1;
    struct disk_settings *d = calloc(1, sizeof *d);
    def->kind_data = d;
    if (read_range_field(&def->def, "inode_warn", def->warn_text, &d->inode_warn,
                         &d->inode_warn_text, err) != 0 ||
        read_range_field(&def->def, "inode_crit", def->crit_text, &d->inode_crit,
                         &d->inode_crit_text, err) != 0)
        return -1;
    return 0;
}

static void disk_release(struct check_def *def)
{
    struct disk_settings *d = def->kind_data;
    free(d->inode_warn_text);
    free(d->inode_crit_text);
    free(d);
    def->kind_data = NULL;
}

static bool real_filesystem(const char *dev, const char *dir, const char *type)
{
    static const char *const real[] = {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs",
                                       "f2fs", "jfs", "reiserfs", "vfat", "exfat", "ntfs",
                                       "ntfs3", "hfsplus", "nilfs2", "bcachefs", NULL};
    for (const char *const *t = real; *t; t++)
        if (strcmp(type, *t) == 0)
            return true;
    /* A container's root is an overlay: it is where its disk fills up. */
    if (strcmp(type, "overlay") == 0 && strcmp(dir, "/") == 0)
        return true;
    return dev[0] == '/' && strncmp(dev, "/dev/loop", 9) != 0 && strcmp(type, "squashfs") != 0 &&
           strcmp(type, "iso9660") != 0;
}

/* /proc/self/mounts escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

static enum nagios_status disk_one(const struct check_def *def, const char *path,
                                   const char *device, const char *fstype,
                                   struct check_result *r, char *worst, size_t worst_size,
                                   enum nagios_status *worst_status, double *worst_fullness)
{
    struct disk_settings *d = def->kind_data;
    struct statvfs vfs;
    jv m = jv_object();
    m = jv_object_set(m, jv_string("path"), jv_string(path));
    if (device)
        m = jv_object_set(m, jv_string("device"), jv_string(device));
    if (fstype)
        m = jv_object_set(m, jv_string("fstype"), jv_string(fstype));
    if (statvfs(path, &vfs) != 0 || vfs.f_blocks == 0) {
        m = jv_object_set(m, jv_string("error"), jv_string("cannot statvfs"));
        jv mounts = jv_object_get(jv_copy(r->evidence), jv_string("mounts"));
        r->evidence = jv_object_set(r->evidence, jv_string("mounts"), jv_array_append(mounts, m));
        /* Like check_disk's "is not accessible": UNKNOWN, and it counts. */
        if (!worst[0] || worse(*worst_status, NAGIOS_UNKNOWN) != *worst_status)
            snprintf(worst, worst_size, "%s: cannot read usage", path);
        *worst_status = worse(*worst_status, NAGIOS_UNKNOWN);
        return NAGIOS_UNKNOWN;
    }
    double total = (double)vfs.f_blocks * vfs.f_frsize;
    double avail = (double)vfs.f_bavail * vfs.f_frsize;
    double used = (double)(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
    /* As df: used / (used + available to users), root's reserve excluded. */
    double pct = used + avail > 0 ? 100.0 * used / (used + avail) : 0;
    double ipct = vfs.f_files > 0 ? 100.0 * (double)(vfs.f_files - vfs.f_ffree) / vfs.f_files : 0;
    enum nagios_status s = check_evaluate(def, pct);
    enum nagios_status si =
        vfs.f_files > 0 ? range_evaluate(ipct, &d->inode_warn, &d->inode_crit) : NAGIOS_OK;
    enum nagios_status st = worse(s, si);
    char label[512];
    snprintf(label, sizeof label, "%s", path);
    check_result_perf(r, label, round(pct * 100) / 100, "%", def->warn_text, def->crit_text, 0,
                      100);
    snprintf(label, sizeof label, "%s inodes", path);
    check_result_perf(r, label, round(ipct * 100) / 100, "%", d->inode_warn_text,
                      d->inode_crit_text, 0, 100);
    m = jv_object_set(m, jv_string("used_pct"), jv_number(round(pct * 10) / 10));
    m = jv_object_set(m, jv_string("inodes_used_pct"), jv_number(round(ipct * 10) / 10));
    m = jv_object_set(m, jv_string("free_bytes"), jv_number(avail));
    m = jv_object_set(m, jv_string("size_bytes"), jv_number(total));
    m = jv_object_set(m, jv_string("status"), jv_string(check_status_name(st)));
    jv mounts = jv_object_get(jv_copy(r->evidence), jv_string("mounts"));
    if (jv_get_kind(mounts) != JV_KIND_ARRAY) {
        jv_free(mounts);
        mounts = jv_array();
    }
    r->evidence = jv_object_set(r->evidence, jv_string("mounts"), jv_array_append(mounts, m));
    char freebuf[SIZE_FORMAT_SIZE];
    size_format((uint64_t)avail, freebuf, sizeof freebuf);
    /* The summary names the worst mount: by status, then by how full. */
    double fullness = pct > ipct ? pct : ipct;
    bool first = worst[0] == '\0';
    if (first || worse(*worst_status, st) != *worst_status ||
        (st == *worst_status && fullness > *worst_fullness)) {
        *worst_fullness = fullness;
        if (ipct > pct)
            snprintf(worst, worst_size, "%s inodes %.0f%% used", path, ipct);
        else
            snprintf(worst, worst_size, "%s %.0f%% used (%s free)", path, pct, freebuf);
    }
    *worst_status = worse(*worst_status, st);
    return st;
}

static int disk_start(struct check_task *task, struct check_result *r)
{
    const struct check_def *def = task->def;
    r->evidence = jv_object_set(r->evidence, jv_string("mounts"), jv_array());
    char worst[1024] = "";
    enum nagios_status status = NAGIOS_OK;
    double fullness = -1;
    jv pathv = jv_object_get(jv_copy(def->def), jv_string("path"));
    int checked = 0;
    if (jv_get_kind(pathv) == JV_KIND_STRING) {
        disk_one(def, jv_string_value(pathv), NULL, NULL, r, worst, sizeof worst, &status, &fullness);
        checked = 1;
    } else {
        FILE *f = fopen("/proc/self/mounts", "re");
        dev_t seen[HOST_MOUNTS_MAX];
        int nseen = 0;
        char line[HOST_LINE_MAX];
        while (f && fgets(line, sizeof line, f) && nseen < HOST_MOUNTS_MAX) {
            char dev[1024], dir[1024], type[64];
            if (sscanf(line, "%1023s %1023s %63s", dev, dir, type) != 3)
                continue;
            unescape_octal(dev);
            unescape_octal(dir);
            if (!real_filesystem(dev, dir, type))
                continue;
            struct stat st;
            if (stat(dir, &st) != 0)
                continue;
            bool dup = false;
            for (int i = 0; i < nseen; i++)
                dup |= seen[i] == st.st_dev;
            if (dup)
                continue; /* a bind mount of one already seen */
            seen[nseen++] = st.st_dev;
            disk_one(def, dir, dev, type, r, worst, sizeof worst, &status, &fullness);
            checked++;
        }
        if (f)
            fclose(f);
    }
    jv_free(pathv);
    if (checked == 0)
        check_result_set(r, NAGIOS_UNKNOWN, "no real filesystem found to check");
    else if (checked == 1)
        check_result_set(r, status, "%s", worst);
    else
        check_result_set(r, status, "%d filesystems; %s %s", checked,
                         status == NAGIOS_OK ? "fullest:" : "worst:", worst);
    return 1;
}

const struct check_kind check_kind_disk = {
    .name = "disk",
    .fields = disk_fields,
    .prepare = disk_prepare,
    .release = disk_release,
    .start = disk_start,
};

/* ---- memory and swap, from /proc/meminfo ---- */

static const struct config_field no_fields[] = {{NULL, 0, false}};

/* Reads "Key: N kB" values (in bytes); missing keys stay -1. */
static int meminfo(double *total, double *avail, double *swap_total, double *swap_free)
{
    *total = *avail = *swap_total = *swap_free = -1;
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f)
        return -1;
    char key[64];
    double kb;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%63[^:]: %lf", key, &kb) != 2)
            continue;
        if (strcmp(key, "MemTotal") == 0)
            *total = kb * 1024;
        else if (strcmp(key, "MemAvailable") == 0)
            *avail = kb * 1024;
        else if (strcmp(key, "SwapTotal") == 0)
            *swap_total = kb * 1024;
        else if (strcmp(key, "SwapFree") == 0)
            *swap_free = kb * 1024;
    }
    fclose(f);
    return 0;
}

static int memory_prepare(struct check_def *def, struct heal_error *err)
{
    return check_default_thresholds(def, "90", "95", err);
}

static int memory_start(struct check_task *task, struct check_result *r)
{
    double total, avail, st, sf;
    if (meminfo(&total, &avail, &st, &sf) != 0 || total <= 0 || avail < 0) {
        check_result_set(r, NAGIOS_UNKNOWN, "cannot read /proc/meminfo");
        return 1;
    }
    double pct = 100.0 * (total - avail) / total;
    char abuf[SIZE_FORMAT_SIZE], tbuf[SIZE_FORMAT_SIZE];
    size_format((uint64_t)avail, abuf, sizeof abuf);
    size_format((uint64_t)total, tbuf, sizeof tbuf);
    check_result_set(r, check_evaluate(task->def, pct), "memory %.0f%% used (%s of %s available)",
                     pct, abuf, tbuf);
    check_result_perf(r, "used", round(pct * 100) / 100, "%", task->def->warn_text,
                      task->def->crit_text, 0, 100);
    check_result_perf(r, "available", avail, "B", NULL, NULL, 0, total);
    r->evidence = jv_object_set(r->evidence, jv_string("available_bytes"), jv_number(avail));
    r->evidence = jv_object_set(r->evidence, jv_string("total_bytes"), jv_number(total));
    return 1;
}

const struct check_kind check_kind_memory = {
    .name = "memory",
    .fields = no_fields,
    .prepare = memory_prepare,
    .start = memory_start,
};

static int swap_prepare(struct check_def *def, struct heal_error *err)
{
    return check_default_thresholds(def, "80", "95", err);
}

static int swap_start(struct check_task *task, struct check_result *r)
{
    double total, avail, st, sf;
    if (meminfo(&total, &avail, &st, &sf) != 0 || st < 0 || sf < 0) {
        check_result_set(r, NAGIOS_UNKNOWN, "cannot read /proc/meminfo");
        return 1;
    }
    if (st == 0) {
        check_result_set(r, NAGIOS_OK, "no swap configured");
        return 1;
    }
    double pct = 100.0 * (st - sf) / st;
    char fbuf[SIZE_FORMAT_SIZE];
    size_format((uint64_t)sf, fbuf, sizeof fbuf);
    check_result_set(r, check_evaluate(task->def, pct), "swap %.0f%% used (%s free)", pct, fbuf);
    check_result_perf(r, "used", round(pct * 100) / 100, "%", task->def->warn_text,
                      task->def->crit_text, 0, 100);
    return 1;
}

const struct check_kind check_kind_swap = {
    .name = "swap",
    .fields = no_fields,
    .prepare = swap_prepare,
    .start = swap_start,
};

/* ---- load, per core ---- */

static int load_prepare(struct check_def *def, struct heal_error *err)
{
    return check_default_thresholds(def, "2", "4", err);
}

static int load_start(struct check_task *task, struct check_result *r)
{
    double l1, l5, l15;
    FILE *f = fopen("/proc/loadavg", "re");
    int got = f ? fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) : 0;
    if (f)
        fclose(f);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (got != 3 || cores < 1) {
        check_result_set(r, NAGIOS_UNKNOWN, "cannot read /proc/loadavg");
        return 1;
    }
    /* The 5-minute average per core: steady enough not to page on a blip. */
    double per = l5 / (double)cores;
    check_result_set(r, check_evaluate(task->def, per),
                     "load %.2f per core over 5 min (%.2f, %.2f, %.2f on %ld cores)", per, l1, l5,
                     l15, cores);
    check_result_perf(r, "load5_per_core", round(per * 1000) / 1000, "", task->def->warn_text,
                      task->def->crit_text, 0, NAN);
    check_result_perf(r, "load1", l1, "", NULL, NULL, 0, NAN);
    check_result_perf(r, "load5", l5, "", NULL, NULL, 0, NAN);
    check_result_perf(r, "load15", l15, "", NULL, NULL, 0, NAN);
    return 1;
}

const struct check_kind check_kind_load = {
    .name = "load",
    .fields = no_fields,
    .prepare = load_prepare,
    .start = load_start,
};

/* ---- file handles, system-wide ---- */

static int filehandles_prepare(struct check_def *def, struct heal_error *err)
{
    return check_default_thresholds(def, "80", "90", err);
}

static int filehandles_start(struct check_task *task, struct check_result *r)
{
    double allocated, unused, max;
    FILE *f = fopen("/proc/sys/fs/file-nr", "re");
    int got = f ? fscanf(f, "%lf %lf %lf", &allocated, &unused, &max) : 0;
    if (f)
        fclose(f);
    if (got != 3 || max <= 0) {
        check_result_set(r, NAGIOS_UNKNOWN, "cannot read /proc/sys/fs/file-nr");
        return 1;
    }
    double pct = 100.0 * allocated / max;
    check_result_set(r, check_evaluate(task->def, pct), "%.0f of %.0f file handles in use (%.2f%%)",
                     allocated, max, pct);
    check_result_perf(r, "used", round(pct * 1000) / 1000, "%", task->def->warn_text,
                      task->def->crit_text, 0, 100);
    check_result_perf(r, "allocated", allocated, "", NULL, NULL, 0, max);
    return 1;
}

const struct check_kind check_kind_filehandles = {
    .name = "filehandles",
    .fields = no_fields,
    .prepare = filehandles_prepare,
    .start = filehandles_start,
};
