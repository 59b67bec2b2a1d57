/* common.c: status texts, error detail, great-circle distance, incident
 * type names and the data directory search.
 * Must never keep state between calls: everything here is a pure function. */
/* dladdr() is a GNU extension (the library's own location). */
#define _GNU_SOURCE
#include "bordermap/common.h"

#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BM_VERSION
#define BM_VERSION "0.0.0"
#endif
#ifndef BM_BIN_TO_DATA
#define BM_BIN_TO_DATA "../share/bordermap"
#endif
#ifndef BM_LIB_TO_DATA
#define BM_LIB_TO_DATA "../share/bordermap"
#endif

const char *bm_strerror(int code)
{
    switch (code) {
    case BM_OK: return "success";
    case BM_ENOMEM: return "out of memory";
    case BM_EIO: return "input/output error";
    case BM_EPARSE: return "malformed input";
    case BM_EDB: return "database error";
    case BM_EPROJ: return "coordinate transformation failed";
    case BM_ERENDER: return "drawing failed";
    case BM_EINVAL: return "invalid argument";
    case BM_ENOTFOUND: return "not found";
    case BM_EVERSION: return "incompatible version";
    case BM_EEXIST: return "already exists";
    case BM_EGDAL: return "GDAL/OGR error";
    case BM_ENOTDB: return "not a bordermap database";
    case BM_EREADONLY: return "location is read-only";
    default: return "unknown error";
    }
}

void bm_error_clear(bm_error *err)
{
    if (!err)
        return;
    err->code = BM_OK;
    err->msg[0] = '\0';
}

int bm_error_set(bm_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

const char *bm_error_text(const bm_error *err)
{
    if (!err)
        return "unknown error";
    return err->msg[0] ? err->msg : bm_strerror(err->code);
}

double bm_distance_km(bm_lonlat a, bm_lonlat b)
{
    const double r = 6371.0088, rad = M_PI / 180.0;
    double dlat = (b.lat - a.lat) * rad, dlon = (b.lon - a.lon) * rad;
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(a.lat * rad) * cos(b.lat * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(fmin(1.0, sqrt(h)));
}

static const char *const type_names[BM_N_TYPES] = {
    "clash",   "attack",     "airstrike",  "smuggling", "infiltration",
    "security_op", "fortification", "deployment", "crossing",  "diplomacy",
    "statement", "repatriation", "other",
};

const char *bm_type_name(int i)
{
    return i >= 0 && i < BM_N_TYPES ? type_names[i] : NULL;
}

int bm_type_index(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < BM_N_TYPES; i++)
        if (strcmp(type_names[i], name) == 0)
            return i;
    return -1;
}

const char *bm_version(void)
{
    return BM_VERSION;
}

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

static int try_dir(const char *dir, const char *rel, char *buf, size_t n)
{
    if (!dir || !*dir)
        return 0;
    int w = snprintf(buf, n, "%s/%s", dir, rel);
    return w > 0 && (size_t)w < n && file_exists(buf);
}

/* The installed layout keeps data at <prefix>/share/bordermap beside
 * <prefix>/bin and <prefix>/lib, so a relocated install still finds its data
 * from the running program or from this library, wherever the prefix went. */
static int try_relative(const char *file, const char *to_data, const char *rel, char *buf,
                        size_t n)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    char data[4200];
    snprintf(data, sizeof data, "%s/%s", dir, to_data);
    return try_dir(data, rel, buf, n);
}

static int try_exe_relative(const char *rel, char *buf, size_t n)
{
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return 0;
    exe[len] = '\0';
    return try_relative(exe, BM_BIN_TO_DATA, rel, buf, n);
}

/* A program outside <prefix>/bin linked against the installed library. */
static int try_lib_relative(const char *rel, char *buf, size_t n)
{
    Dl_info info;
    if (!dladdr((void *)bm_data_path, &info) || !info.dli_fname || info.dli_fname[0] != '/')
        return 0;
    return try_relative(info.dli_fname, BM_LIB_TO_DATA, rel, buf, n);
}

int bm_data_path(const char *rel, char *buf, size_t bufsize, bm_error *err)
{
    const char *env = getenv("BORDERMAP_DATA");
    if (env && *env) {
        if (try_dir(env, rel, buf, bufsize))
            return BM_OK;
        return bm_error_set(err, BM_ENOTFOUND, "%s not found under BORDERMAP_DATA=%s", rel,
                            env);
    }
    if (try_exe_relative(rel, buf, bufsize) || try_lib_relative(rel, buf, bufsize))
        return BM_OK;
#ifdef BM_INSTALL_DATADIR
    if (try_dir(BM_INSTALL_DATADIR, rel, buf, bufsize))
        return BM_OK;
#endif
#ifdef BM_SOURCE_DATADIR
    if (try_dir(BM_SOURCE_DATADIR, rel, buf, bufsize))
        return BM_OK;
#endif
    return bm_error_set(err, BM_ENOTFOUND,
                        "data file %s not found (set BORDERMAP_DATA to the directory "
                        "holding gazetteer/ and maps/)",
                        rel);
}
