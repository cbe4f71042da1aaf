// Read bandwidth of this machine, as decoding sees it: THREADS threads each sum their share of a large buffer
// (far beyond the caches), several times; the best pass is reported in GB/s.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BYTES (1024UL * 1024 * 1024)
static uint64_t *buf;
static int threads;
static volatile uint64_t sink;

static void *reader(void *arg) {
  long t = (long)arg;
  size_t n = BYTES / sizeof(uint64_t) / threads;
  const uint64_t *p = buf + t * n;
  uint64_t a = 0, b = 0, c = 0, d = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) { a += p[i]; b += p[i + 1]; c += p[i + 2]; d += p[i + 3]; }
  sink += a + b + c + d;
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  threads = argc > 1 ? atoi(argv[1]) : 1;
  buf = aligned_alloc(64, BYTES);
  memset(buf, 1, BYTES);
  double best = 0;
  for (int pass = 0; pass < 8; pass++) {
    pthread_t th[64];
    double t0 = now();
    for (long t = 0; t < threads; t++) pthread_create(&th[t], NULL, reader, (void *)t);
    for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
    double gbps = BYTES / (now() - t0) / 1e9;
    if (gbps > best) best = gbps;
  }
  printf("%.2f\n", best);
  return 0;
}
