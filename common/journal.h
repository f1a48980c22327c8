/*
 * journal.h — the append-only NDJSON journal (STATE/journal.ndjson).
 *
 * journal_append() writes one record as one compact line with a single
 * write() on an O_APPEND descriptor, then fdatasync()s it.  On a local
 * file system (ext4, xfs, btrfs, tmpfs) the kernel serialises appends per
 * file, so lines from concurrent processes never interleave; NFS gives no
 * such promise.  A short write (disk full, file size limit) is reported,
 * and the torn fragment is closed with a newline — by the same call if it
 * can, otherwise by the next append, which starts a fresh line whenever the
 * file does not end in one (as after a crash mid-write).  So a torn record
 * costs that record and no other.  Appenders take a brief flock on the
 * journal for that check; open one struct journal per process (a forked
 * child opens its own), or the check may add an empty line.
 *
 * The reader yields each line that parses as a JSON object, with its line
 * number; it skips and counts the lines that do not (torn, garbage, not an
 * object, longer than JOURNAL_LINE_MAX) and skips empty ones silently.
 * Reading while another process appends may show its last line torn.
 *
 * jv ownership follows jq: journal_append() consumes `record`; a record
 * returned by journal_reader_next() is the caller's to free.  Functions
 * return 0 (or as documented) or -1 with `err` filled.  A struct journal
 * or journal_reader is used by one thread at a time.
 */
#ifndef HEAL_JOURNAL_H
#define HEAL_JOURNAL_H

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define JOURNAL_FILE_NAME "journal.ndjson"

/* Longest line, newline included: the record cap of every heal wire format. */
#define JOURNAL_LINE_MAX (1024 * 1024)

/* The reader's buffer: a line that fills it without a newline is too long. */
#define JOURNAL_READER_BUFFER JOURNAL_LINE_MAX

struct journal {
    int fd;    /* -1 when closed */
    bool sync; /* fdatasync after each append (journal_open: always) */
};

struct journal_reader {
    int fd;            /* -1 when the journal does not exist yet */
    char *buf;         /* JOURNAL_READER_BUFFER bytes */
    size_t start, end; /* unread bytes are buf[start..end) */
    int eof;
    int skipping; /* inside an over-long line, dropping bytes up to its newline */
    long line_no; /* lines consumed so far */
    long bad;     /* lines skipped as unreadable */
};

/* Opens (creating it 0600 if missing) STATE/journal.ndjson for appending. */
int journal_open(struct journal *journal, const char *state_dir, struct heal_error *err);

/*
 * The same append-only discipline for another file of ours (heal-loop's
 * history): `sync` false skips the fdatasync, for a file that is a cache
 * of what can be observed again and where losing the last lines to a
 * power cut costs nothing worse than a repeated line.
 */
int journal_open_path(struct journal *journal, const char *path, bool sync,
                      struct heal_error *err);

/*
 * Appends `record` (consumed), which must be an object whose compact form
 * with its newline fits in JOURNAL_LINE_MAX; nothing is written otherwise.
 * Returns once the line is on disk (when the journal was opened to sync).
 */
int journal_append(struct journal *journal, jv record, struct heal_error *err);

void journal_close(struct journal *journal);

/* Opens STATE/journal.ndjson for reading from the start; a missing one reads as empty. */
int journal_reader_open(struct journal_reader *reader, const char *state_dir,
                        struct heal_error *err);

/* The same for any file in the journal's format; a missing one reads as empty. */
int journal_reader_open_path(struct journal_reader *reader, const char *path,
                             struct heal_error *err);

/*
 * Yields the next record: returns 1 with *record (the caller's to free) and
 * *line_no (from 1) set, 0 at the end of the file, -1 on a read error.
 */
int journal_reader_next(struct journal_reader *reader, jv *record, long *line_no,
                        struct heal_error *err);

/* How many lines so far were skipped as unreadable. */
long journal_reader_bad(const struct journal_reader *reader);

void journal_reader_close(struct journal_reader *reader);

#endif
