// OpenBLAS opened with dlopen, so that its kernel can be chosen before it loads (sluice_blas.h).
#define _GNU_SOURCE
#include "sluice_blas.h"
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// CBLAS's constants (cblas.h), so that building needs no OpenBLAS headers.
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_function)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                               float, float *, int);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int state;   // 0 not tried, 1 loaded, -1 failed
static char failure[512];
static sgemm_function sgemm;
static const char *corename, *config;
static char path[4096];

static void fail(const char *format, const char *detail) {
    snprintf(failure, sizeof failure, format, detail ? detail : "unknown reason");
    __atomic_store_n(&state, -1, __ATOMIC_RELEASE);
}

static void load(const char *coretype) {
    bool set_variable = coretype && !getenv("OPENBLAS_CORETYPE");
    if (set_variable) setenv("OPENBLAS_CORETYPE", coretype, 1);
    void *library = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (set_variable) unsetenv("OPENBLAS_CORETYPE");
    if (!library) {
        fail("cannot load OpenBLAS: %s (on Debian: apt-get install libopenblas0)", dlerror());
        return;
    }
    sgemm = (sgemm_function)dlsym(library, "cblas_sgemm");
    const char *(*get_corename)(void) = (const char *(*)(void))dlsym(library, "openblas_get_corename");
    const char *(*get_config)(void) = (const char *(*)(void))dlsym(library, "openblas_get_config");
    void (*set_threads)(int) = (void (*)(int))dlsym(library, "openblas_set_num_threads");
    if (!sgemm || !get_corename || !get_config || !set_threads) {
        fail("%s is not OpenBLAS (cblas_sgemm or openblas_get_corename missing)", "libopenblas.so.0");
        return;
    }
    set_threads(1);
    corename = get_corename();
    config = get_config();
    struct link_map *map = NULL;
    if (dlinfo(library, RTLD_DI_LINKMAP, &map) != 0 || !map || !realpath(map->l_name, path))
        snprintf(path, sizeof path, "libopenblas.so.0");
    __atomic_store_n(&state, 1, __ATOMIC_RELEASE);
}

int sl_blas_load(const char *coretype, char *message, size_t message_size) {
    pthread_mutex_lock(&lock);
    if (state == 0) load(coretype);
    int result = state == 1 ? 0 : -1;
    if (result != 0 && message && message_size) snprintf(message, message_size, "%s", failure);
    pthread_mutex_unlock(&lock);
    return result;
}

static bool loaded(void) {
    return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == 1;
}

const char *sl_blas_corename(void) { return loaded() ? corename : NULL; }
const char *sl_blas_config(void) { return loaded() ? config : NULL; }
const char *sl_blas_path(void) { return loaded() ? path : NULL; }

void sl_sgemm(bool transpose_a, bool transpose_b, int m, int n, int k, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
    sgemm(ROW_MAJOR, transpose_a ? TRANS : NO_TRANS, transpose_b ? TRANS : NO_TRANS, m, n, k, 1, a, lda, b, ldb,
          beta, c, ldc);
}
