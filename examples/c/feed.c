// Feeds one epoch of a pipeline's split through Sluice's C ABI and prints what came out:
// the loader, each bad file skipped, and per batch its shape, first labels and a checksum.
//
//   swift build -c release --product SluiceABI
//   cc -O2 -I Sources/CSluiceABI/include examples/c/feed.c -L .build/release -lSluiceABI
//      -Wl,-rpath,$PWD/.build/release -o feed     (one line)
//   ./feed pipelines/fashion-mnist.yaml train 0
#include <sluice.h>

#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what) {
    fprintf(stderr, "feed: %s: %s\n", what, sluice_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: feed PIPELINE.yaml [SPLIT [EPOCH [WORKERS]]]\n");
        return 64;
    }
    sluice_loader_options options;
    sluice_loader_options_init(&options);
    options.split = argc > 2 ? argv[2] : "train";
    int64_t epoch_number = argc > 3 ? atoll(argv[3]) : 0;
    options.workers = argc > 4 ? atoi(argv[4]) : 0;

    sluice_loader *loader;
    if (sluice_loader_open(argv[1], NULL, &options, &loader) != SLUICE_OK) return fail("open");
    char *info;
    if (sluice_loader_info(loader, &info) != SLUICE_OK) return fail("info");
    printf("sluice %s: %s\n", sluice_version(), info);
    sluice_string_free(info);

    sluice_epoch *epoch;
    if (sluice_loader_epoch(loader, epoch_number, &epoch) != SLUICE_OK) return fail("epoch");
    sluice_loader_close(loader);   // the epoch keeps what it needs
    int64_t batches = 0, samples = 0;
    for (;;) {
        sluice_batch *batch;
        int status = sluice_epoch_next(epoch, -1, &batch);
        char *path, *reason;
        while (sluice_epoch_failure(epoch, &path, &reason)) {
            printf("skipped %s: %s\n", path, reason);
            sluice_string_free(path);
            sluice_string_free(reason);
        }
        if (status == SLUICE_END) break;
        if (status != SLUICE_OK) return fail("next");
        const sluice_tensor *images = &batch->images;
        int64_t values = 1;
        for (int axis = 0; axis < images->ndim; axis++) values *= images->shape[axis];
        double sum = 0;
        for (int64_t i = 0; i < values; i++) {
            sum += images->dtype == SLUICE_FLOAT32 ? ((const float *)images->data)[i] : ((const uint8_t *)images->data)[i];
        }
        if (batches < 3) {
            printf("batch %lld: [%lld, %lld, %lld, %lld] labels %lld %lld %lld ... sum %.4f\n", (long long)batches,
                   (long long)images->shape[0], (long long)images->shape[1], (long long)images->shape[2],
                   (long long)images->shape[3], (long long)batch->labels[0], (long long)batch->labels[1 % batch->count],
                   (long long)batch->labels[2 % batch->count], sum);
        }
        batches += 1;
        samples += batch->count;
        sluice_batch_release(batch);
    }
    sluice_epoch_close(epoch);
    printf("%lld batches, %lld samples\n", (long long)batches, (long long)samples);
    return 0;
}
