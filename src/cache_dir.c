/* cache_dir.c: the one place that decides where bordermap's caches live, so the basemap cache
 * and the database template cache agree on it. It must never write anything but directories. */
#include "cache_dir_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int bm__cache_dir(int create, char *dir, size_t size)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    /* The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(dir, size, "%s/bordermap", xdg);
    else if (home && home[0] == '/')
        n = snprintf(dir, size, "%s/.cache/bordermap", home);
    else
        return -1;
    if (n <= 0 || (size_t)n >= size)
        return -1;
    return create ? mkdir_p(dir) : 0;
}

int bm__cache_entry_path(const char *prefix, const unsigned char *digest, size_t digest_len,
                         int create, char *buf, size_t size)
{
    char dir[4096];
    if (bm__cache_dir(create, dir, sizeof dir) != 0)
        return -1;
    int n = snprintf(buf, size, "%s/%s", dir, prefix);
    for (size_t i = 0; i < digest_len && n > 0 && (size_t)n < size; i++)
        n += snprintf(buf + n, size - (size_t)n, "%02x", digest[i]);
    if (n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ".bin");
    return n > 0 && (size_t)n < size ? 0 : -1;
}

void bm__cache_prune(const char *prefix, const char *keep, long max_age_s)
{
    char dir[4096];
    if (bm__cache_dir(0, dir, sizeof dir) != 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    const char *keep_base = strrchr(keep, '/') ? strrchr(keep, '/') + 1 : keep;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || l < 4 ||
            strcmp(e->d_name + l - 4, ".bin") != 0 || !strcmp(e->d_name, keep_base))
            continue;
        char path[4400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && now - st.st_mtime > max_age_s)
            unlink(path);
    }
    closedir(d);
}
