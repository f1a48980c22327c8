/*
 * The file kind: a file that must exist (or must not), and is fresh and
 * small enough.  As check_file_age, the definition's warn/crit are Nagios
 * ranges on the age in seconds; age_warn/age_crit say the same as
 * durations ("older than 1h").  size_warn/size_crit are ranges on bytes,
 * and a lone size such as "10M" means "more than 10M".
 */
#include "check.h"
#include "check_report.h"
#include "clock.h"
#include "duration.h"
#include "size.h"

#include <errno.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_RANGE_TEXT_MAX 64

static const struct config_field file_fields[] = {
    {"path", CONFIG_STRING, true},
    {"must_exist", CONFIG_BOOL, false},
    {"age_warn", CONFIG_STRING | CONFIG_NUMBER, false},
    {"age_crit", CONFIG_STRING | CONFIG_NUMBER, false},
    {"size_warn", CONFIG_STRING | CONFIG_NUMBER, false},
    {"size_crit", CONFIG_STRING | CONFIG_NUMBER, false},
    {NULL, 0, false},
};

struct file_settings {
    char *path;
    bool must_exist;
    bool has_size_warn, has_size_crit;
    struct range size_warn, size_crit;
    char size_warn_text[FILE_RANGE_TEXT_MAX], size_crit_text[FILE_RANGE_TEXT_MAX];
};

/* age_warn "1h" becomes the warn range "~:3600": older alerts, a future mtime does not. */
static int age_field(struct check_def *def, const char *key, bool *has, struct range *r,
                     char **text, struct heal_error *err)
{
    jv v = jv_object_get(jv_copy(def->def), jv_string(key));
    int rc = 0;
    int64_t ms = -1;
    struct heal_error e;
    if (jv_get_kind(v) == JV_KIND_NUMBER) {
        double s = jv_number_value(v);
        if (!(s >= 0) || s > 1e12)
            rc = heal_error_set(err, "field '%s': %g is not a number of seconds", key, s);
        else
            ms = (int64_t)(s * 1000.0);
    } else if (jv_get_kind(v) == JV_KIND_STRING) {
        if (duration_parse(jv_string_value(v), &ms, &e) != 0)
            rc = heal_error_set(err, "field '%s': %s", key, e.msg);
    }
    jv_free(v);
    if (rc != 0 || ms < 0)
        return rc;
    if (*has)
        return heal_error_set(err, "field '%s' says what '%s' says: give one of them", key,
                              key[4] == 'w' ? "warn" : "crit");
    char buf[FILE_RANGE_TEXT_MAX];
    snprintf(buf, sizeof buf, "~:%.17g", (double)ms / 1000.0);
    if (range_parse(buf, r, &e) != 0)
        return heal_error_set(err, "field '%s': %s", key, e.msg);
    *has = true;
    *text = strdup(buf);
    return 0;
}

static int size_field(const jv *def, const char *key, bool *has, struct range *r, char *text,
                      struct heal_error *err)
{
    jv v = jv_object_get(jv_copy(*def), jv_string(key));
    char buf[FILE_RANGE_TEXT_MAX] = "";
    if (jv_get_kind(v) == JV_KIND_STRING)
        snprintf(buf, sizeof buf, "%s", jv_string_value(v));
    else if (jv_get_kind(v) == JV_KIND_NUMBER)
        snprintf(buf, sizeof buf, "%.17g", jv_number_value(v));
    jv_free(v);
    if (!buf[0])
        return 0;
    struct heal_error e;
    uint64_t bytes;
    if (range_parse(buf, r, &e) != 0) {
        if (size_parse(buf, &bytes, NULL) != 0)
            return heal_error_set(err, "field '%s': %s", key, e.msg);
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)bytes);
        if (range_parse(buf, r, &e) != 0)
            return heal_error_set(err, "field '%s': %s", key, e.msg);
    }
    *has = true;
    snprintf(text, FILE_RANGE_TEXT_MAX, "%s", buf);
    return 0;
}

static int file_prepare(struct check_def *def, struct heal_error *err)
{
    struct file_settings *f = calloc(1, sizeof *f);
    if (!f)
        return heal_error_set(err, "out of memory");
    def->kind_data = f;
    jv path = jv_object_get(jv_copy(def->def), jv_string("path"));
    f->path = strdup(jv_string_value(path));
    jv_free(path);
    if (!f->path[0])
        return heal_error_set(err, "field 'path' must not be empty");
    jv me = jv_object_get(jv_copy(def->def), jv_string("must_exist"));
    f->must_exist = jv_get_kind(me) != JV_KIND_FALSE;
    jv_free(me);
    if (age_field(def, "age_warn", &def->has_warn, &def->warn, &def->warn_text, err) != 0 ||
        age_field(def, "age_crit", &def->has_crit, &def->crit, &def->crit_text, err) != 0 ||
        size_field(&def->def, "size_warn", &f->has_size_warn, &f->size_warn, f->size_warn_text,
                   err) != 0 ||
        size_field(&def->def, "size_crit", &f->has_size_crit, &f->size_crit, f->size_crit_text,
                   err) != 0)
        return -1;
    return 0;
}

static void file_release(struct check_def *def)
{
    struct file_settings *f = def->kind_data;
    free(f->path);
    free(f);
    def->kind_data = NULL;
}

static const char *file_type(mode_t m)
{
    return S_ISREG(m)    ? "file"
           : S_ISDIR(m)  ? "directory"
           : S_ISLNK(m)  ? "symlink"
           : S_ISFIFO(m) ? "fifo"
           : S_ISSOCK(m) ? "socket"
           : S_ISCHR(m)  ? "character device"
           : S_ISBLK(m)  ? "block device"
                         : "other";
}

static jv evidence(jv ev, const struct stat *st, double age_s)
{
    char buf[CLOCK_RFC3339_SIZE], mode[16];
    int64_t mtime_ms = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
    clock_format_rfc3339(mtime_ms, buf);
    snprintf(mode, sizeof mode, "%04o", (unsigned)(st->st_mode & 07777));
    ev = jv_object_set(ev, jv_string("exists"), jv_true());
    ev = jv_object_set(ev, jv_string("type"), jv_string(file_type(st->st_mode)));
    ev = jv_object_set(ev, jv_string("size"), jv_number((double)st->st_size));
    ev = jv_object_set(ev, jv_string("mtime"), jv_string(buf));
    ev = jv_object_set(ev, jv_string("age_s"), jv_number(round(age_s * 1000) / 1000));
    ev = jv_object_set(ev, jv_string("mode"), jv_string(mode));
    ev = jv_object_set(ev, jv_string("uid"), jv_number(st->st_uid));
    ev = jv_object_set(ev, jv_string("gid"), jv_number(st->st_gid));
    struct passwd *pw = getpwuid(st->st_uid);
    if (pw)
        ev = jv_object_set(ev, jv_string("owner"), jv_string(pw->pw_name));
    struct group *gr = getgrgid(st->st_gid);
    if (gr)
        ev = jv_object_set(ev, jv_string("group"), jv_string(gr->gr_name));
    return ev;
}

static int file_start(struct check_task *task, struct check_result *r)
{
    const struct check_def *def = task->def;
    const struct file_settings *f = def->kind_data;
    struct stat st;
    r->evidence = jv_object_set(r->evidence, jv_string("path"), jv_string(f->path));
    if (stat(f->path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            check_result_set(r, NAGIOS_UNKNOWN, "cannot stat %s: %s", f->path, strerror(errno));
            return 1;
        }
        r->evidence = jv_object_set(r->evidence, jv_string("exists"), jv_false());
        check_result_set(r, f->must_exist ? NAGIOS_CRITICAL : NAGIOS_OK, "%s does not exist",
                         f->path);
        return 1;
    }
    double age_s = (double)(clock_now_ms() -
                            ((int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000)) /
                   1000.0;
    r->evidence = evidence(r->evidence, &st, age_s);
    if (!f->must_exist) {
        check_result_set(r, NAGIOS_CRITICAL, "%s exists but must not", f->path);
        return 1;
    }
    enum nagios_status age = check_evaluate(def, age_s);
    enum nagios_status size =
        range_evaluate((double)st.st_size, f->has_size_warn ? &f->size_warn : NULL,
                       f->has_size_crit ? &f->size_crit : NULL);
    char sbuf[SIZE_FORMAT_SIZE], abuf[DURATION_FORMAT_SIZE], why[256] = "";
    size_format((uint64_t)st.st_size, sbuf, sizeof sbuf);
    /* Whole seconds: "modified 3m12s ago", not to the millisecond. */
    duration_format((int64_t)age_s * 1000, abuf, sizeof abuf);
    if (age != NAGIOS_OK)
        snprintf(why, sizeof why, "; age outside %s s",
                 age == NAGIOS_CRITICAL ? def->crit_text : def->warn_text);
    if (size != NAGIOS_OK)
        snprintf(why + strlen(why), sizeof why - strlen(why), "; size outside %s B",
                 size == NAGIOS_CRITICAL ? f->size_crit_text : f->size_warn_text);
    check_result_set(r, check_status_worse(age, size), "%s is %s, modified %s ago%s", f->path, sbuf,
                     abuf, why);
    check_result_perf(r, "age", round(age_s), "s", def->warn_text, def->crit_text, NAN, NAN);
    check_result_perf(r, "size", (double)st.st_size, "B",
                      f->has_size_warn ? f->size_warn_text : NULL,
                      f->has_size_crit ? f->size_crit_text : NULL, 0, NAN);
    return 1;
}

const struct check_kind check_kind_file = {
    .name = "file",
    .fields = file_fields,
    .prepare = file_prepare,
    .release = file_release,
    .start = file_start,
};
