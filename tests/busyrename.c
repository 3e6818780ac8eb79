/* LD_PRELOAD shim: rename() onto a "running executable" fails the way
   Windows refuses it, while renaming that file away still works.
   PATCHER_TEST_BUSY holds paths separated by ':', absolute, or relative
   ones matching the end of a path ("bin/go": any GOROOT's); a rename whose
   destination is one of them, and exists, fails with EACCES (what Python
   turns ERROR_ACCESS_DENIED into); each refusal is logged as a line to the
   file PATCHER_TEST_BUSY_LOG names, if set, so a test can see it happened.
   Written for patcher's tests. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int busy(int dirfd, const char *path)
{
    const char *list = getenv("PATCHER_TEST_BUSY");
    char full[PATH_MAX * 2], base[PATH_MAX];
    if (!list || !path)
        return 0;
    if (path[0] == '/')
        snprintf(full, sizeof full, "%s", path);
    else {
        if (dirfd == AT_FDCWD) {
            if (!getcwd(base, sizeof base))
                return 0;
        } else {
            char link[64];
            ssize_t n;
            snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
            n = readlink(link, base, sizeof base - 1);
            if (n < 0)
                return 0;
            base[n] = 0;
        }
        snprintf(full, sizeof full, "%s/%s", base, path);
    }
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t flen = strlen(full);
        int match = p[0] == '/' ? flen == len && strncmp(full, p, len) == 0
                                : flen > len && full[flen - len - 1] == '/' && strncmp(full + flen - len, p, len) == 0;
        if (len && match) {
            int refused = access(full, F_OK) == 0;
            const char *log = getenv("PATCHER_TEST_BUSY_LOG");
            if (refused && log) {
                FILE *f = fopen(log, "a");
                if (f) {
                    fprintf(f, "refused %s\n", full);
                    fclose(f);
                }
            }
            return refused;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

int rename(const char *old, const char *new)
{
    static int (*real)(const char *, const char *);
    if (busy(AT_FDCWD, new)) {
        errno = EACCES;
        return -1;
    }
    if (!real)
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    return real(old, new);
}

int renameat(int olddir, const char *old, int newdir, const char *new)
{
    static int (*real)(int, const char *, int, const char *);
    if (busy(newdir, new)) {
        errno = EACCES;
        return -1;
    }
    if (!real)
        real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
    return real(olddir, old, newdir, new);
}

int renameat2(int olddir, const char *old, int newdir, const char *new, unsigned int flags)
{
    static int (*real)(int, const char *, int, const char *, unsigned int);
    if (busy(newdir, new)) {
        errno = EACCES;
        return -1;
    }
    if (!real)
        real = (int (*)(int, const char *, int, const char *, unsigned int))dlsym(RTLD_NEXT, "renameat2");
    return real(olddir, old, newdir, new, flags);
}
