#include "sluice.h"

#include "sluice_abi_support.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void sluice_loader_options_init(sluice_loader_options *options) {
    if (options == NULL) return;
    *options = (sluice_loader_options){
        .split = "train", .workers = 0, .prefetch = 0, .rank = 0, .world_size = 1,
        .on_error = SLUICE_ON_ERROR_SKIP, .shuffle = -1, .limit = 0, .shards = NULL, .source = NULL,
    };
}

void sluice_stats_options_init(sluice_stats_options *options) {
    if (options == NULL) return;
    *options = (sluice_stats_options){ .color = NULL, .split = NULL, .workers = 0, .on_error = SLUICE_ON_ERROR_SKIP };
}

// The last error is per thread, so that calls on different threads do not see each other's.
static _Thread_local char *last_error = NULL;

void sl_abi_set_error(const char *message) {
    free(last_error);
    last_error = message == NULL ? NULL : strdup(message);
}

const char *sluice_last_error(void) {
    return last_error == NULL ? "" : last_error;
}

void sluice_string_free(char *string) {
    free(string);
}
