/* Atomic replacement: the new content appears whole, the temporary goes
 * away, a spare inode is recycled only when nothing else names it, and a
 * group sync covers only files it can vouch for. */
#define _GNU_SOURCE
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomic.h"

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tscrub-atomic-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..") != 0)) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d) closedir(d);
    return rmdir(dir);
}

static void put(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect(const char *name, const char *text)
{
    char p[256], buf[256] = {0};
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, text);
}

static ino_t inode(const char *name)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(stat(p, &st), 0);
    return st.st_ino;
}

static size_t entries(void)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) n += e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..") != 0);
    if (d) closedir(d);
    return n;
}

/* Replaces dir/name with text through the spare. */
static void replace(const char *name, const char *text, ts_atomic_spare *sp)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    ts_atomic_file f;
    assert_int_equal(ts_atomic_open_spare(&f, p, sp), 0);
    assert_null(sp->path); /* taken */
    assert_int_equal(ts_atomic_write(&f, text, strlen(text)), 0);
    assert_int_equal(ts_atomic_commit_spare(&f, sp), 0);
}

/* Replaces a.txt (first holding a_old) so that its old inode becomes the
 * spare, then opens b.txt over that spare and writes text, uncommitted. */
static void write_b_over_a_spare(ts_atomic_file *f, ts_atomic_spare *sp, const char *a_old,
                                 const char *text)
{
    put("a.txt", a_old);
    put("b.txt", "b-old");
    replace("a.txt", "a-new", sp);
    char p[256];
    snprintf(p, sizeof p, "%s/b.txt", dir);
    assert_int_equal(ts_atomic_open_spare(f, p, sp), 0);
    assert_int_equal(ts_atomic_write(f, text, strlen(text)), 0);
}

static void test_plain_replace(void **state)
{
    (void)state;
    put("a.txt", "old");
    char p[256];
    snprintf(p, sizeof p, "%s/a.txt", dir);
    ts_atomic_file f;
    assert_int_equal(ts_atomic_open(&f, p), 0);
    assert_int_equal(ts_atomic_write(&f, "new", 3), 0);
    assert_int_equal(ts_atomic_commit(&f), 0);
    expect("a.txt", "new");
    assert_int_equal(entries(), 1);
}

static void test_spare_recycles_the_replaced_inode(void **state)
{
    (void)state;
    put("a.txt", "a-old");
    put("b.txt", "b-old");
    char bp[256];
    snprintf(bp, sizeof bp, "%s/b.txt", dir);
    assert_int_equal(chmod(bp, 0640), 0);
    ino_t a_old = inode("a.txt");
    ts_atomic_spare sp = {NULL};
    replace("a.txt", "a-new", &sp);
    expect("a.txt", "a-new");
    assert_non_null(sp.path);
    assert_int_equal(entries(), 3); /* a, b and the spare */
    replace("b.txt", "b-new", &sp);
    expect("b.txt", "b-new");
    assert_int_equal(inode("b.txt"), a_old); /* no new inode was needed */
    struct stat st;
    assert_int_equal(stat(bp, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640); /* b's mode, not a's */
    ts_atomic_spare_release(&sp);
    assert_null(sp.path);
    assert_int_equal(entries(), 2);
    expect("a.txt", "a-new");
}

static off_t size_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* Under the same mode the next file is written over the spare's old
 * blocks and cut to its own length; under another mode the spare is
 * emptied first, so the old content never shows under the new mode. */
static void test_spare_is_written_over_only_under_the_same_mode(void **state)
{
    (void)state;
    put("c.txt", "c-old");
    char p[256];
    snprintf(p, sizeof p, "%s/c.txt", dir);
    assert_int_equal(chmod(p, 0600), 0);
    ts_atomic_spare sp = {NULL};
    ts_atomic_file f;
    write_b_over_a_spare(&f, &sp, "a-old, a long first version", "b-new");
    assert_true(f.overwrite);
    assert_int_equal(size_of(f.tmp), 27); /* a's old content, written over */
    assert_int_equal(ts_atomic_commit_spare(&f, &sp), 0);
    expect("b.txt", "b-new"); /* cut to what was written */

    assert_int_equal(ts_atomic_open_spare(&f, p, &sp), 0); /* c, under 0600 */
    assert_false(f.overwrite);
    struct stat st;
    assert_int_equal(fstat(f.fd, &st), 0);
    assert_int_equal(st.st_size, 0);            /* emptied before... */
    assert_int_equal(st.st_mode & 07777, 0600); /* ...it took c's mode */
    assert_int_equal(ts_atomic_write(&f, "c-new", 5), 0);
    assert_int_equal(ts_atomic_commit_spare(&f, &sp), 0);
    expect("c.txt", "c-new");
    ts_atomic_spare_release(&sp);
    assert_int_equal(entries(), 3);
}

/* The group sync cuts a written-over temporary before syncing it. */
static void test_sync_group_cuts_written_over_files(void **state)
{
    (void)state;
    ts_atomic_spare sp = {NULL};
    ts_atomic_file f;
    write_b_over_a_spare(&f, &sp, "a-old, a long first version", "b-new");
    ts_atomic_file *group[] = {&f};
    ts_atomic_sync_group(group, 1);
    assert_false(f.overwrite);
    struct stat st;
    assert_int_equal(fstat(f.fd, &st), 0);
    assert_int_equal(st.st_size, 5);
    assert_int_equal(ts_atomic_commit(&f), 0);
    expect("b.txt", "b-new");
    assert_int_equal(entries(), 2);
}

static void test_spare_with_other_links_is_left_alone(void **state)
{
    (void)state;
    put("a.txt", "a-old");
    put("b.txt", "b-old");
    put("c.txt", "c-old");
    char b[256], b2[256];
    snprintf(b, sizeof b, "%s/b.txt", dir);
    snprintf(b2, sizeof b2, "%s/b-link.txt", dir);
    assert_int_equal(link(b, b2), 0);
    ts_atomic_spare sp = {NULL};
    replace("a.txt", "a-new", &sp);
    replace("b.txt", "b-new", &sp);
    /* The spare is b's old inode, which b-link.txt still names: taking it
     * for c would truncate b-link.txt. */
    replace("c.txt", "c-new", &sp);
    expect("b-link.txt", "b-old");
    expect("b.txt", "b-new");
    expect("c.txt", "c-new");
    ts_atomic_spare_release(&sp);
    assert_int_equal(entries(), 4);
}

static void test_spare_in_another_directory_is_removed(void **state)
{
    (void)state;
    put("a.txt", "a-old");
    ts_atomic_spare sp = {NULL};
    replace("a.txt", "a-new", &sp);
    char other[96], target[160];
    snprintf(other, sizeof other, "%s-other", dir);
    assert_int_equal(mkdir(other, 0700), 0);
    snprintf(target, sizeof target, "%s/x.txt", other);
    ts_atomic_file f;
    assert_int_equal(ts_atomic_open_spare(&f, target, &sp), 0);
    assert_int_equal(ts_atomic_write(&f, "x", 1), 0);
    assert_int_equal(ts_atomic_commit(&f), 0);
    assert_int_equal(entries(), 1); /* the spare went, a.txt stays */
    unlink(target);
    rmdir(other);
}

static void test_abort_leaves_the_original(void **state)
{
    (void)state;
    ts_atomic_spare sp = {NULL};
    ts_atomic_file f;
    write_b_over_a_spare(&f, &sp, "a-old", "half");
    ts_atomic_abort(&f);
    expect("b.txt", "b-old");
    assert_int_equal(entries(), 2);
}

static void test_spare_for_a_new_target(void **state)
{
    (void)state;
    put("a.txt", "a-old");
    ts_atomic_spare sp = {NULL};
    replace("a.txt", "a-new", &sp);
    assert_non_null(sp.path);
    /* Nothing to exchange with or to keep: the commit is a plain rename. */
    replace("new.txt", "fresh", &sp);
    expect("new.txt", "fresh");
    assert_null(sp.path);
    assert_int_equal(entries(), 2);
}

static void open_in_dir(ts_atomic_file *f, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(ts_atomic_open(f, p), 0);
}

static void test_sync_group(void **state)
{
    (void)state;
    put("a.txt", "a-old");
    ts_atomic_file a, b, c;
    open_in_dir(&a, "a.txt");
    open_in_dir(&b, "b.txt");
    open_in_dir(&c, "c.txt");
    assert_int_equal(ts_atomic_write(&a, "a-new", 5), 0);
    assert_int_equal(ts_atomic_write(&b, "b-new", 5), 0);
    c.failed = 1; /* as after a failed write */
    c.err = 28;
    ts_atomic_file *group[] = {&a, &b, &c};
    size_t covered = ts_atomic_sync_group(group, 3);
    /* The test directory is on ext4 or tmpfs here, both trusted; on a file
     * system the list leaves out, every file keeps its own fsync. */
    struct statfs sf;
    assert_int_equal(statfs(dir, &sf), 0);
    if ((unsigned long)sf.f_type == 0xEF53UL || (unsigned long)sf.f_type == 0x01021994UL) {
        assert_int_equal(covered, 2);
        assert_true(a.synced && b.synced);
    } else {
        assert_int_equal(covered, 0);
    }
    assert_false(c.synced); /* a failed file is never vouched for */
    assert_int_equal(ts_atomic_commit(&a), 0);
    assert_int_equal(ts_atomic_commit(&b), 0);
    assert_int_equal(ts_atomic_commit(&c), -1);
    expect("a.txt", "a-new");
    expect("b.txt", "b-new");
    assert_int_equal(entries(), 2); /* c's temporary is gone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_replace, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_spare_recycles_the_replaced_inode, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_spare_with_other_links_is_left_alone, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_spare_in_another_directory_is_removed, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_abort_leaves_the_original, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_spare_for_a_new_target, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_spare_is_written_over_only_under_the_same_mode, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sync_group_cuts_written_over_files, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sync_group, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
