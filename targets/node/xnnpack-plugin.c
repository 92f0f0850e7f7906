/*
 * edgebench: a TFLite external-delegate plugin that creates the XNNPACK
 * delegate of libtensorflowlite_c. tfjs-tflite-node's prebuilt library holds
 * the delegate but does not apply it, and its binding takes delegates only as
 * plugins exporting these two functions. targets/node/tflite.ts compiles this
 * file with the system C compiler into a private per-user cache (its bytes are
 * part of the cache key); test/e2e/xnnpack-plugin-source.test.ts compiles it
 * with the same flags, warnings as errors.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct TfLiteDelegate TfLiteDelegate;

/* TfLiteXNNPackDelegateOptions begins {int32 num_threads; uint32 flags; ...}; zeroed room for later fields. */
typedef struct {
  int32_t num_threads;
  uint32_t flags;
  void* rest[16];
} Options;

extern TfLiteDelegate* TfLiteXNNPackDelegateCreate(const Options* options);
extern void TfLiteXNNPackDelegateDelete(TfLiteDelegate* delegate);

TfLiteDelegate* tflite_plugin_create_delegate(char** keys, char** values, size_t count, void (*report_error)(const char*));
void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate);

TfLiteDelegate* tflite_plugin_create_delegate(char** keys, char** values, size_t count, void (*report_error)(const char*)) {
  Options options;
  (void)report_error; /* unknown keys are ignored, as TFLite's own plugins do */
  memset(&options, 0, sizeof options);
  options.num_threads = 1;
  options.flags = 3; /* QS8 | QU8: int8 and uint8 kernels as well as float */
  for (size_t i = 0; i < count; i++) {
    if (!strcmp(keys[i], "num_threads")) options.num_threads = atoi(values[i]);
    else if (!strcmp(keys[i], "flags")) options.flags = (uint32_t)strtoul(values[i], 0, 0);
  }
  return TfLiteXNNPackDelegateCreate(&options);
}

void tflite_plugin_destroy_delegate(TfLiteDelegate* delegate) { TfLiteXNNPackDelegateDelete(delegate); }
