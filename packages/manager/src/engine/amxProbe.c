// Does this machine run AMX tile instructions, built by this compiler? Built and run by the engine build
// (scripts/build-engine.ts), and run again when the engine loads (packages/manager/src/engine/amx.ts), before
// llama.cpp's AMX kernels are built in: a compiler without AMX, a kernel that does not grant the tile state, a
// hypervisor that lists AMX and faults it, or an install moved to another machine would otherwise end the runner
// at a model's first prompt (SIGILL). A process that dies here costs nothing. Prints "ok" and exits 0 when one
// int8 tile product gives the right answer.
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

struct tile_config {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

int main(void) {
  if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
    puts("the kernel does not grant the AMX tile state");
    return 1;
  }
  static int8_t a[16][64], b[16][64];
  static int32_t c[16][16];
  memset(a, 1, sizeof a);
  memset(b, 2, sizeof b);
  struct tile_config config;
  memset(&config, 0, sizeof config);
  config.palette_id = 1;
  for (int t = 0; t < 3; t++) {
    config.rows[t] = 16;
    config.colsb[t] = 64;
  }
  // As the engine's patched ggml loads it (patches/llama.cpp/amx-tile-config.patch): GCC 12's _tile_loadconfig
  // lets the compiler drop the stores of rows and colsb above.
  __asm__ volatile("ldtilecfg %0" : : "m"(config));
  _tile_zero(0);
  _tile_loadd(1, a, 64);
  _tile_loadd(2, b, 64);
  _tile_dpbssd(0, 1, 2);  // c += a · b: 64 products of 1 × 2 in each of c's 256 cells
  _tile_stored(0, c, 64);
  _tile_release();
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++)
      if (c[i][j] != 128) {
        printf("a tile product gave %d where 128 was due\n", c[i][j]);
        return 1;
      }
  puts("ok");
  return 0;
}
