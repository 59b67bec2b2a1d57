/* bench_time.c: times one command as the whole-process benchmarks need it, like
 * `/usr/bin/time -f "%e %U %S %M" -o FILE`, but to the microsecond: time(1) prints CPU
 * seconds with two decimals, a 10 ms step as large as the difference between the two sides
 * of a small row (a 0.18 s export measured 0.22 s against 0.18 s, 1.22x, in a run where
 * its wall times were 0.19 and 0.20 s).
 * Writes "wall user sys maxrss_kb" to FILE: wall from the monotonic clock around fork and
 * wait4; CPU and peak memory from wait4's rusage, which covers the command and every
 * descendant it waited for, as time(1)'s does. Exits with the command's status.
 * Must never print anything of its own on stdout or stderr except its errors, and never
 * link the bordermap library (its start-up would fall inside the caller's wall clock).
 * Usage: bench_time -o FILE COMMAND [ARG...] */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "-o") != 0) {
        fprintf(stderr, "usage: bench_time -o FILE COMMAND [ARG...]\n");
        return 2;
    }
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        fprintf(stderr, "bench_time: %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench_time: fork: %s\n", strerror(errno));
        fclose(out);
        return 2;
    }
    if (pid == 0) {
        execvp(argv[3], argv + 3);
        fprintf(stderr, "bench_time: %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "bench_time: wait4: %s\n", strerror(errno));
            fclose(out);
            return 2;
        }
    }
    double wall = now() - t0;
    fprintf(out, "%.6f %.6f %.6f %ld\n", wall, seconds(ru.ru_utime), seconds(ru.ru_stime),
            ru.ru_maxrss);
    if (fclose(out) != 0) {
        fprintf(stderr, "bench_time: %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
