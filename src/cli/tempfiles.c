/* tempfiles.c: the outputs this process is writing, so that SIGINT, SIGTERM
 * and SIGHUP remove their temporary files before the process dies, and so
 * that leftovers of killed runs are swept once their writer is gone.
 * Signals are taken by one thread in sigwait(): the cleanup may then call
 * anything (opendir, unlink) instead of only async-signal-safe functions.
 * Must never remove a file whose writer may still be alive: only our own pid,
 * or a pid on this host that no longer exists. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bordermap/fileio.h"
#include "cli.h"

#define MAX_WATCHED 8

/* The one piece of process-wide state: a signal concerns the whole process. */
static struct {
    pthread_mutex_t lock;
    char *targets[MAX_WATCHED];
    char host[64];
    sigset_t set;
} watch = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Directory and stem (base name without extension; NULL for a DIR/ target,
 * whose files are any) of a target. */
static void split_target(const char *target, char *dir, size_t dsize, char *stem, size_t ssize,
                         int *any)
{
    size_t n = strlen(target);
    *any = n > 0 && target[n - 1] == '/';
    const char *slash = strrchr(target, '/');
    if (*any) {
        snprintf(dir, dsize, "%s", target);
        stem[0] = '\0';
        return;
    }
    if (slash)
        snprintf(dir, dsize, "%.*s", (int)(slash - target) + 1, target);
    else
        snprintf(dir, dsize, "./");
    const char *base = slash ? slash + 1 : target;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(stem, ssize, "%.*s", (int)len, base);
}

/* Removes the temporary files of target written by pid `only` (0: by any
 * process of this host that is gone). */
static void sweep(const char *target, long only)
{
    char dir[4096], stem[1024], path[8192], host[64];
    int any;
    split_target(target, dir, sizeof dir, stem, sizeof stem, &any);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid;
        if (!bm_atomic_tmp_owner(e->d_name, any ? NULL : stem, &pid, host, sizeof host) ||
            strcmp(host, watch.host) != 0)
            continue;
        int gone = only ? pid == only : (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
        if (!gone)
            continue;
        snprintf(path, sizeof path, "%s%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static void *signal_thread(void *unused)
{
    int sig = 0;
    if (sigwait(&watch.set, &sig) != 0)
        return NULL;
    pthread_mutex_lock(&watch.lock);
    for (int i = 0; i < MAX_WATCHED; i++)
        if (watch.targets[i])
            sweep(watch.targets[i], (long)getpid());
    /* Die of the signal itself, so the shell sees what happened. */
    signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &watch.set, NULL);
    raise(sig);
    _exit(128 + sig);
}

int bm_cli_temp_init(void)
{
    bm_atomic_hostname(watch.host, sizeof watch.host);
    sigemptyset(&watch.set);
    sigaddset(&watch.set, SIGINT);
    sigaddset(&watch.set, SIGTERM);
    sigaddset(&watch.set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &watch.set, NULL) != 0)
        return BM_EINVAL;
    pthread_t t;
    if (pthread_create(&t, NULL, signal_thread, NULL) != 0) {
        pthread_sigmask(SIG_UNBLOCK, &watch.set, NULL);
        return BM_ENOMEM;
    }
    pthread_detach(t);
    return BM_OK;
}

void bm_cli_temp_watch(const char *target)
{
    if (!target || !*target)
        return;
    sweep(target, 0);
    pthread_mutex_lock(&watch.lock);
    for (int i = 0; i < MAX_WATCHED; i++)
        if (!watch.targets[i]) {
            watch.targets[i] = strdup(target);
            break;
        }
    pthread_mutex_unlock(&watch.lock);
}

void bm_cli_temp_done(void)
{
    pthread_mutex_lock(&watch.lock);
    for (int i = 0; i < MAX_WATCHED; i++) {
        free(watch.targets[i]);
        watch.targets[i] = NULL;
    }
    pthread_mutex_unlock(&watch.lock);
}
