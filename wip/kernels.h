/* wip/kernels.h — compute kernels and the thread pool of albert.h (to be pasted into albert.h's
   implementation section). Included inside #ifdef ALBERT_IMPLEMENTATION after the standard headers.
   This first version is the plain scalar reference; every optimized path must give the same results
   within float rounding. */

/* ---------------------------------------------------------------- thread pool */
typedef struct albert__pool {
    int n_threads;
} albert__pool;

typedef void (*albert__task_fn)(void *arg, int index, int count);

static albert__pool *albert__pool_create(int n_threads)
{
    albert__pool *p = (albert__pool *)ALBERT_MALLOC(sizeof(albert__pool));
    if (!p) return NULL;
    p->n_threads = n_threads < 1 ? 1 : n_threads;
    return p;
}

static void albert__pool_free(albert__pool *p) { ALBERT_FREE(p); }

/* Runs task(arg, i, count) for i in 0..count-1, spread over the pool's threads; returns when all are done. */
static void albert__pool_run(albert__pool *p, albert__task_fn task, void *arg, int count)
{
    int i;
    (void)p;
    for (i = 0; i < count; i++) task(arg, i, count);
}

/* Scratch floats the kernels need per context (for the attention of sequences up to max_seq tokens). */
static size_t albert__kernel_scratch_floats(int max_seq, int hidden, int n_threads)
{
    (void)hidden;
    return (size_t)max_seq * (size_t)(n_threads < 1 ? 1 : n_threads) + 64;
}

/* ---------------------------------------------------------------- activations */
static float albert__activate(float x, int act)
{
    switch (act) {
    case ALBERT_ACT_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case ALBERT_ACT_GELU_TANH:
        return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case ALBERT_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ALBERT_ACT_SILU: return x / (1.0f + expf(-x));
    case ALBERT_ACT_QUICK_GELU: return x / (1.0f + expf(-1.702f * x));
    case ALBERT_ACT_TANH: return tanhf(x);
    case ALBERT_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case ALBERT_ACT_RELU6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case ALBERT_ACT_MISH: return x * tanhf(log1pf(expf(x)));
    case ALBERT_ACT_GELU_10: {
        float g = 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
        return g < -10.0f ? -10.0f : (g > 10.0f ? 10.0f : g);
    }
    case ALBERT_ACT_RELU2: return x > 0.0f ? x * x : 0.0f;
    default: return x; /* ALBERT_ACT_LINEAR */
    }
}

/* ---------------------------------------------------------------- linear layers */
/* y[m x n] = act(x[m x k] . W^T + b) + residual, with W [n x k] row-major (PyTorch Linear order).
   b and residual ([m x n]) may be NULL; act 0 = none (else an albert_activation, applied before the residual
   is added). y must not alias x; it may alias residual. */
static void albert__linear(albert__pool *pool, const float *x, int m, int k, const float *w, const float *b, int n,
                           int act, const float *residual, float *y)
{
    int i, j, t;
    (void)pool;
    for (i = 0; i < m; i++) {
        const float *xr = x + (size_t)i * k;
        for (j = 0; j < n; j++) {
            const float *wr = w + (size_t)j * k;
            float s = 0.0f;
            for (t = 0; t < k; t++) s += xr[t] * wr[t];
            if (b) s += b[j];
            if (act) s = albert__activate(s, act);
            if (residual) s += residual[(size_t)i * n + j];
            y[(size_t)i * n + j] = s;
        }
    }
}

/* ---------------------------------------------------------------- layer norm */
/* In place over each of m rows of n: (x - mean) / sqrt(var + eps) * g + b (biased variance, as PyTorch). */
static void albert__layer_norm(albert__pool *pool, float *x, int m, int n, const float *g, const float *b, float eps)
{
    int i, j;
    (void)pool;
    for (i = 0; i < m; i++) {
        float *r = x + (size_t)i * n;
        double mean = 0.0, var = 0.0;
        float inv;
        for (j = 0; j < n; j++) mean += r[j];
        mean /= n;
        for (j = 0; j < n; j++) var += (r[j] - mean) * (r[j] - mean);
        var /= n;
        inv = (float)(1.0 / sqrt(var + eps));
        for (j = 0; j < n; j++) r[j] = (float)(r[j] - mean) * inv * g[j] + b[j];
    }
}

/* ---------------------------------------------------------------- attention */
/* For each of n_seqs sequences of seq_len tokens (rows s*seq_len .. s*seq_len+seq_len-1) and each head h
   (columns h*head_dim ..): out = softmax(q k^T / sqrt(head_dim) + mask) v. q, k, v and out have row stride
   n_heads*head_dim. mask [n_seqs x seq_len]: 0 marks a padding key, which gets weight exactly 0 (as HF's
   additive float-min mask does in float32); if every key of a sequence is padding, all keys get equal
   weight (as HF). mask NULL = no padding. scratch: albert__kernel_scratch_floats() floats. */
static void albert__attention(albert__pool *pool, float *scratch, const float *q, const float *k, const float *v,
                              const int32_t *mask, int n_seqs, int seq_len, int n_heads, int head_dim, float *out)
{
    int H = n_heads * head_dim, s, h, i, j, d;
    float scale = 1.0f / sqrtf((float)head_dim);
    (void)pool;
    for (s = 0; s < n_seqs; s++) {
        const int32_t *mrow = mask ? mask + (size_t)s * seq_len : NULL;
        int any = 0;
        if (mrow) for (j = 0; j < seq_len; j++) any |= mrow[j] != 0;
        for (h = 0; h < n_heads; h++) {
            for (i = 0; i < seq_len; i++) {
                const float *qi = q + ((size_t)s * seq_len + i) * H + h * head_dim;
                float *o = out + ((size_t)s * seq_len + i) * H + h * head_dim;
                float mx = -INFINITY, sum = 0.0f;
                for (j = 0; j < seq_len; j++) {
                    const float *kj = k + ((size_t)s * seq_len + j) * H + h * head_dim;
                    float dot = 0.0f;
                    if (mrow && !any) { scratch[j] = 0.0f; mx = 0.0f; continue; }   /* all padding: uniform */
                    if (mrow && !mrow[j]) { scratch[j] = -INFINITY; continue; }
                    for (d = 0; d < head_dim; d++) dot += qi[d] * kj[d];
                    scratch[j] = dot * scale;
                    if (scratch[j] > mx) mx = scratch[j];
                }
                for (j = 0; j < seq_len; j++) {
                    float e = scratch[j] == -INFINITY ? 0.0f : expf(scratch[j] - mx);
                    scratch[j] = e;
                    sum += e;
                }
                for (d = 0; d < head_dim; d++) o[d] = 0.0f;
                for (j = 0; j < seq_len; j++) {
                    const float *vj = v + ((size_t)s * seq_len + j) * H + h * head_dim;
                    float p = scratch[j] / sum;
                    if (p == 0.0f) continue;
                    for (d = 0; d < head_dim; d++) o[d] += p * vj[d];
                }
            }
        }
    }
}
