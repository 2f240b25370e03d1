// Sluice's C ABI: the feeder of batches, one sample's transforms, and dataset statistics, for
// any language that can call C (the Python package `sluice` is built on it).
//
// Link with -lSluiceABI (libSluiceABI.so, from `swift build -c release --product SluiceABI`).
//
// Conventions
// - Functions that can fail return an int status: SLUICE_OK (0), or a negative SLUICE_E_*
//   code, with a message from sluice_last_error() naming the file and what to do. Nothing here
//   prints, exits or aborts on bad input.
// - Strings in are UTF-8 and NUL-terminated; strings out (char **) are the caller's, freed with
//   sluice_string_free.
// - Every random draw of a batch comes from (seed, epoch, sample index): the bytes of a batch
//   are the same for any number of workers and any prefetch depth.
//
// Thread safety
// - sluice_last_error is per thread: read it on the thread whose call failed.
// - A loader may be used from several threads at once (info, order, opening epochs); each of
//   its epochs is used by one thread at a time. Epochs of one loader may run at the same time.
// - A batch is immutable and independent of its loader and epoch: read it from any thread,
//   release it once, from any thread, even after the loader is closed.
#ifndef SLUICE_H
#define SLUICE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_ABI_VERSION 1

enum {
    SLUICE_OK = 0,
    SLUICE_END = 1,            // sluice_epoch_next: the epoch has no more batches
    SLUICE_TIMEOUT = 2,        // sluice_epoch_next: no batch within the time asked; call again
    SLUICE_E_ARGUMENT = -1,    // a bad argument (an unknown split, rank >= world size, NULL, ...)
    SLUICE_E_PIPELINE = -2,    // the pipeline file or text is invalid (message: file:line:column)
    SLUICE_E_DECODE = -3,      // an image could not be read (message: the file and why)
    SLUICE_E_DATA = -4,        // a dataset cannot be listed or read (missing folder, no images, bad shards)
};

enum { SLUICE_UINT8 = 1, SLUICE_FLOAT32 = 2 };     // element types of sluice_tensor
enum { SLUICE_ON_ERROR_SKIP = 0, SLUICE_ON_ERROR_FAIL = 1 };

/// A dense, C-contiguous array owned by the batch that holds it.
typedef struct {
    void *data;
    int32_t dtype;             // SLUICE_FLOAT32 [N, C, H, W] after to_float; SLUICE_UINT8 [N, H, W, C] when the transforms stop before it
    int32_t ndim;
    int64_t shape[4];
} sluice_tensor;

/// Samples in training order, with their labels (-1: unlabelled) and dataset indices; and when
/// the split has batch ops (mixup, cutmix), the soft targets they made of the labels.
typedef struct {
    sluice_tensor images;
    const int64_t *labels;     // [count]: each sample's own label
    const int64_t *indices;    // [count]
    int64_t count;
    void *owner;               // private
    const float *targets;      // [count, classes] float32, rows summing to 1; NULL without batch ops
    int64_t classes;           // 0 without batch ops
} sluice_batch;

typedef struct sluice_loader sluice_loader;
typedef struct sluice_epoch sluice_epoch;

/// Loader options; sluice_loader_options_init sets the defaults noted.
typedef struct {
    const char *split;         // "train"
    int32_t workers;           // 0: the file's loader.workers, else the cores - 1 (at least 1)
    int32_t prefetch;          // 0: the file's loader.prefetch
    int32_t rank;              // 0
    int32_t world_size;        // 1; rank r takes samples r, r + W, ... of each epoch's order
    int32_t on_error;          // SLUICE_ON_ERROR_SKIP: report (sluice_epoch_failure) and fill from the next samples
    int32_t shuffle;           // -1: the file's; 0: no; 1: yes
    int64_t limit;             // 0: every sample; else the first `limit` samples of the split
    const char *shards;        // NULL: the split's source; else a `sluice shard` folder to read instead
    const char *source;        // NULL: the split's source; else a folder, file list, IDX file or image to run the split's recipe on
} sluice_loader_options;

typedef struct {
    const char *color;         // "auto" (NULL), "rgb" or "gray"; a pipeline file's decode colour when NULL
    const char *split;         // for pipeline files among the paths: "train" (NULL)
    int32_t workers;           // 0: every core
    int32_t on_error;          // SLUICE_ON_ERROR_SKIP: bad files are listed under "failed"
} sluice_stats_options;

/// The library's version, as `sluice --version` prints it.
const char *sluice_version(void);
/// The message of this thread's last failed call ("" if none); valid until its next call.
const char *sluice_last_error(void);
void sluice_string_free(char *string);

void sluice_loader_options_init(sluice_loader_options *options);
void sluice_stats_options_init(sluice_stats_options *options);

/// Opens the loader of a pipeline's split. The pipeline is `pipeline_text` when not NULL (with
/// `pipeline_path`, which may be NULL, naming it in messages and anchoring its relative paths),
/// else the file at `pipeline_path`. Sources are listed now; workers start with each epoch.
int sluice_loader_open(const char *pipeline_path, const char *pipeline_text,
                       const sluice_loader_options *options, sluice_loader **loader);
/// Closes the loader; epochs still open keep what they need and stay usable.
void sluice_loader_close(sluice_loader *loader);
/// Batches per epoch for this rank (the last one may be smaller unless drop_last).
int64_t sluice_loader_batches(const sluice_loader *loader);
/// Samples per epoch for this rank.
int64_t sluice_loader_samples(const sluice_loader *loader);
/// The loader as JSON: split, sample_shape, batch_size, samples, batches, dataset_size, classes,
/// seed, shuffle, drop_last, workers, prefetch, rank, world_size.
int sluice_loader_info(const sluice_loader *loader, char **json);
/// Writes this rank's dataset indices of `epoch`, in order, into `indices` (up to `capacity`);
/// returns how many the epoch has, or a negative status.
int64_t sluice_loader_order(const sluice_loader *loader, int64_t epoch, int64_t *indices, int64_t capacity);

/// Starts `epoch` (>= 0): workers decode and transform up to `prefetch` batches ahead.
int sluice_loader_epoch(sluice_loader *loader, int64_t epoch, sluice_epoch **out);
/// The next batch: SLUICE_OK with *batch set, SLUICE_END, SLUICE_TIMEOUT when none came within
/// `timeout_ms` (< 0: wait as long as it takes), or under SLUICE_ON_ERROR_FAIL SLUICE_E_DECODE
/// for the first bad file (the epoch then ends). Under SLUICE_ON_ERROR_SKIP, bad files met so far
/// are waiting in sluice_epoch_failure when this returns.
int sluice_epoch_next(sluice_epoch *epoch, int32_t timeout_ms, sluice_batch **batch);
/// The epoch's state after the batches handed out so far, as JSON (version, seed, epoch, digest,
/// segments): sluice_loader_resume of it gives the batches this epoch would give next, with any
/// workers or prefetch. Only this rank's place is in it (see sluice_states_merge).
int sluice_epoch_state(const sluice_epoch *epoch, char **json);
/// Starts the rest of the epoch `state` (from sluice_epoch_state) was saved in: exactly the
/// batches an uninterrupted run would have given next; with another world size than the state's,
/// this rank's share of what every rank left (the state must then be the ranks' states merged).
/// SLUICE_E_ARGUMENT when the state is of another pipeline, or does not know what is needed.
int sluice_loader_resume(sluice_loader *loader, const char *state, sluice_epoch **out);
/// Merges the states the ranks of one job saved at the same step into one (JSON).
int sluice_states_merge(const char *const *states, int64_t count, char **json);
/// Takes the oldest bad file not yet taken: returns 1 and sets *path and *reason, or 0.
int sluice_epoch_failure(sluice_epoch *epoch, char **path, char **reason);
/// Stops the epoch and waits for its workers; batches already handed out stay valid.
void sluice_epoch_close(sluice_epoch *epoch);
/// Gives a batch back: its storage is reused by a later batch.
void sluice_batch_release(sluice_batch *batch);

/// Runs a split's transforms on one input as sample `index` of `epoch` (the draws training makes
/// for it), exactly as `sluice apply` does: the image at `image_path`, or when it is NULL the
/// split's own sample `index`. The result is a batch of one: float32 [1, C, H, W] after to_float,
/// else uint8 [1, H, W, C]; its label is the sample's (-1 for an image path).
int sluice_apply(const char *pipeline_path, const char *pipeline_text, const char *split,
                 const char *image_path, int64_t epoch, int64_t index, sluice_batch **result);

/// Measures the images of `paths` (folders, file lists, IDX files, images, pipeline files) as
/// `sluice stats --json` does, and returns the same JSON object in *json.
int sluice_stats(const char *const *paths, int64_t count, const sluice_stats_options *options, char **json);

#ifdef __cplusplus
}
#endif

#endif
