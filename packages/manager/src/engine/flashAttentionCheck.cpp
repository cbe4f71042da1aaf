// Checks the engine's CPU flash attention (ggml_flash_attn_ext) against a double-precision reference, for the
// shapes of decode and of short prompts: grouped-query heads (patches/llama.cpp/flash-attn-gqa.patch), one query
// head per K/V head (ggml's own kernel), F16 and F32 K/V, a causal mask with holes, logit softcapping, and K/V as
// views of one row per position for all heads, as llama.cpp's KV cache hands them over. Prints one JSON line per
// case: the largest error of the engine's result (`use_ref` off, what the engine runs) and of ggml's reference
// kernel (`use_ref` on). With --time, also the milliseconds each takes on 2 threads.
#include "ggml.h"
#include "ggml-cpu.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

struct Case {
    const char * name;
    int D, nq, nkv, hq, hkv;
    bool mask;
    float softcap;
    bool f32kv;
    bool strided;
};

static float at(const ggml_tensor * t, int64_t i0, int64_t i1, int64_t i2) {
    const char * p = (const char *) t->data + i0*t->nb[0] + i1*t->nb[1] + i2*t->nb[2];
    return t->type == GGML_TYPE_F32 ? *(const float *) p : ggml_fp16_to_fp32(*(const ggml_fp16_t *) p);
}

static void fill(ggml_tensor * t, std::mt19937 & rng) {
    std::normal_distribution<float> d(0, 1);
    const int64_t n = ggml_nelements(t);
    for (int64_t i = 0; i < n; i++) {
        if (t->type == GGML_TYPE_F32) ((float *) t->data)[i] = d(rng);
        else ((ggml_fp16_t *) t->data)[i] = ggml_fp32_to_fp16(d(rng));
    }
}

// K or V: [D, nkv, h], contiguous per head, or (strided) a view of one row of h*D values per position.
static ggml_tensor * kv(ggml_context * ctx, const Case & c, std::mt19937 & rng) {
    const ggml_type type = c.f32kv ? GGML_TYPE_F32 : GGML_TYPE_F16;
    if (!c.strided) {
        ggml_tensor * t = ggml_new_tensor_3d(ctx, type, c.D, c.nkv, c.hkv);
        fill(t, rng);
        return t;
    }
    ggml_tensor * rows = ggml_new_tensor_2d(ctx, type, (int64_t) c.D*c.hkv, c.nkv);
    fill(rows, rng);
    return ggml_view_3d(ctx, rows, c.D, c.nkv, c.hkv, rows->nb[1], c.D*ggml_type_size(type), 0);
}

int main(int argc, char ** argv) {
    const bool timed = argc > 1 && strcmp(argv[1], "--time") == 0;
    const Case cases[] = {
        {"decode, short context",         64,  1,  100, 14, 2, true,  0,     false, false},
        {"decode, long context (split)",  64,  1, 1024, 14, 2, true,  0,     false, true },
        {"decode, no mask",               64,  1, 1024, 14, 2, false, 0,     false, false},
        {"44-token prompt at 900",        64, 44,  900, 14, 2, true,  0,     false, true },
        {"decode, 128-wide heads",       128,  1,  700, 32, 8, true,  0,     false, true },
        {"softcap, one K/V head",         64,  1,  600,  8, 1, true, 30.0f,  false, false},
        {"F32 K/V, 3 queries",            64,  3,  300, 14, 2, true,  0,     true,  false},
        {"one query head a K/V head",    128,  5,  600, 16, 16, true, 0,     false, true },
    };
    for (const Case & c : cases) {
        ggml_init_params ip = {256u*1024*1024, nullptr, false};
        ggml_context * ctx = ggml_init(ip);
        std::mt19937 rng(42);
        ggml_tensor * q = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, c.D, c.nq, c.hq);
        fill(q, rng);
        ggml_tensor * k = kv(ctx, c, rng);
        ggml_tensor * v = kv(ctx, c, rng);
        ggml_tensor * m = nullptr;
        if (c.mask) {
            // Causal (query row i sees the positions up to nkv - nq + i), with a hole every 17 positions.
            m = ggml_new_tensor_2d(ctx, GGML_TYPE_F16, c.nkv, c.nq);
            for (int64_t i = 0; i < c.nq; i++) {
                for (int64_t j = 0; j < c.nkv; j++) {
                    const bool seen = j <= c.nkv - c.nq + i && j % 17 != 5;
                    ((ggml_fp16_t *) m->data)[i*c.nkv + j] = ggml_fp32_to_fp16(seen ? 0.0f : -INFINITY);
                }
            }
        }
        const float scale = 1.0f / std::sqrt((float) c.D);
        ggml_tensor * out = ggml_flash_attn_ext(ctx, q, k, v, m, scale, 0.0f, c.softcap);
        ggml_flash_attn_ext_set_prec(out, GGML_PREC_F32);
        ggml_cgraph * graph = ggml_new_graph(ctx);
        ggml_build_forward_expand(graph, out);

        ggml_threadpool_params tpp = ggml_threadpool_params_default(2);
        ggml_threadpool * pool = ggml_threadpool_new(&tpp);
        std::vector<float> result[2];
        double ms[2] = {0, 0};
        for (int r = 0; r < 2; r++) {
            ggml_cplan plan = ggml_graph_plan(graph, 2, pool);
            std::vector<uint8_t> work(plan.work_size + 1);
            plan.work_data = work.data();
            plan.use_ref = r == 1;
            const int reps = timed ? 200 : 1;
            for (int i = 0; i < (timed ? 5 : 0); i++) ggml_graph_compute(graph, &plan);
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < reps; i++) ggml_graph_compute(graph, &plan);
            ms[r] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
            result[r].assign((float *) out->data, (float *) out->data + ggml_nelements(out));
        }
        ggml_threadpool_free(pool);

        // The exact result, in doubles; the output is [D, hq, nq].
        double err[2] = {0, 0};
        const int G = c.hq / c.hkv;
        for (int iq = 0; iq < c.nq; iq++) {
            for (int h = 0; h < c.hq; h++) {
                std::vector<double> w(c.nkv);
                double M = -INFINITY;
                for (int j = 0; j < c.nkv; j++) {
                    const double mv = m ? ggml_fp16_to_fp32(((ggml_fp16_t *) m->data)[iq*c.nkv + j]) : 0;
                    if (std::isinf(mv)) {
                        w[j] = -INFINITY;
                        continue;
                    }
                    double s = 0;
                    for (int x = 0; x < c.D; x++) s += (double) at(q, x, iq, h) * at(k, x, j, h / G);
                    s *= scale;
                    if (c.softcap != 0) s = c.softcap * std::tanh(s / c.softcap);
                    w[j] = s + mv;
                    M = std::max(M, w[j]);
                }
                double S = 0;
                for (double & x : w) {
                    x = std::isinf(x) ? 0 : std::exp(x - M);
                    S += x;
                }
                for (int x = 0; x < c.D; x++) {
                    double o = 0;
                    for (int j = 0; j < c.nkv; j++) o += w[j] * at(v, x, j, h / G);
                    o /= S;
                    for (int r = 0; r < 2; r++) {
                        err[r] = std::max(err[r], std::fabs(o - result[r][((int64_t) iq*c.hq + h)*c.D + x]));
                    }
                }
            }
        }
        printf("{\"case\":\"%s\",\"grouped\":%s,\"f16\":%s,\"error\":%.3e,\"referenceError\":%.3e", c.name,
               G >= 2 ? "true" : "false", c.f32kv ? "false" : "true", err[0], err[1]);
        if (timed) printf(",\"ms\":%.4f,\"referenceMs\":%.4f", ms[0], ms[1]);
        printf("}\n");
        ggml_free(ctx);
    }
    return 0;
}
