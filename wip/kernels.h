/* wip/kernels.h — compute kernels and the thread pool of albert.h (to be pasted into albert.h's
   implementation section). Included inside #ifdef ALBERT_IMPLEMENTATION after the standard headers.

   Instruction-set levels, chosen at run time when the pool is created (no globals):
     scalar   portable C, always compiled (the only path with ALBERT_NO_SIMD or on other CPUs)
     AVX2     AVX2 + FMA, 8-lane vectors (x86-64 with GCC or clang, per-function target attributes)
     AVX-512  AVX-512F: linear layers (6 x 64 micro-kernel, few-row dot products, packing and tile stores with
              16 x 16 register transposes), 16-lane activations, softmax; LayerNorm uses the AVX2 code
     NEON     AArch64: the linear layers' micro-kernel (8 x 8); everything else scalar
   Every path gives the same results as the scalar one within float rounding (tests/test_kernels.c).

   Linear layers y = x W^T (W [n x k] row-major, read in place from the model file): the rows of x are
   packed per call into token panels (k-major, NR tokens wide, zero padded), in chunks that stay in L2, shared
   by all threads; the blocks of MR W rows are handed out one at a time to whichever thread asks. The
   micro-kernel keeps MR rows of W x NR tokens in registers, broadcasting W values straight from W's rows (no
   copy of the weights; the first panel of a block prefetches them) and loading NR tokens of packed x per step;
   the finished tile gets bias, activation and residual and is stored transposed. With at most 8 rows of x
   (short inputs) AVX-512 uses dot products along k instead (no padding to 64 tokens). albert__linear_group
   does Q, K and V with one packing of x and one job.
   Attention runs (sequence, head) pairs handed out one at a time: scores = q k^T for a block of queries,
   softmax, then context = p v, with a plain row-major micro-kernel; no S x S matrix for all heads at once.
   The pool hands out a job's indices to whichever thread claims them first and spins (then yields, then
   sleeps) between jobs, so a busy machine that deschedules one thread slows a job down but does not stall it. */

#if !defined(ALBERT_NO_SIMD) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ALBERT__X86_SIMD 1
/* GCC 12's AVX-512 intrinsics (_mm512_undefined_ps() = self-initialized variable) warn in C++ wherever they
   are inlined (GCC bug 105593, fixed in 13): the warnings point into the header, so silence them there. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
#endif
#if !defined(ALBERT_NO_SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#define ALBERT__NEON_SIMD 1
#include <arm_neon.h>
#endif
#if defined(ALBERT__X86_SIMD) || defined(ALBERT__NEON_SIMD)
#define ALBERT__PANELS 1 /* the linear layers pack x into panels for a micro-kernel */
#endif
#ifndef ALBERT_NO_THREADS
#include <pthread.h>
#include <sched.h>
#endif

#define ALBERT__ISA_SCALAR 0
#define ALBERT__ISA_AVX2 1
#define ALBERT__ISA_AVX512 2
#define ALBERT__ISA_NEON 3 /* AArch64 (Advanced SIMD is always there): the linear layers' micro-kernel */

/* Work items inside a task handed out through a shared counter (GCC / clang atomics), so that a thread the
   system deschedules holds up at most one item; other compilers split statically. */
#if defined(__GNUC__) || defined(__clang__)
#define ALBERT__SHARED_COUNTER 1
#define ALBERT__NEXT_ITEM(counter) __atomic_fetch_add((counter), 1, __ATOMIC_RELAXED)
#else
#define ALBERT__SHARED_COUNTER 0
#endif

/* Packed x for the linear layers: this many floats per context (4 MB); a call whose x does not fit is
   done in row chunks. One panel of NR rows must fit (k <= 16384 with 64-token panels; else the portable code). */
#define ALBERT__PACK_FLOATS ((size_t)1 << 20)
/* Rows of x are packed and multiplied in chunks of at most this many floats (1 MB, half of a big core's L2),
   so that the packed rows stay in L2 while every block of W passes over them (else, for long inputs and
   k = 3072, each block of W would stream megabytes of packed x from L3). At least one panel per chunk. */
#define ALBERT__CHUNK_FLOATS ((size_t)1 << 18)
/* Attention processes this many query rows at a time. */
#define ALBERT__QUERY_BLOCK 64

/* ---------------------------------------------------------------- thread pool */
typedef void (*albert__task_fn)(void *arg, int index, int count);

typedef struct albert__pool albert__pool;

typedef struct albert__worker {
    albert__pool *pool;
    int slot; /* 1 .. n_threads-1; the calling thread is slot 0 */
} albert__worker;

struct albert__pool {
    int n_threads; /* including the thread that calls albert__pool_run */
    int isa;       /* ALBERT__ISA_*: the kernels used (tests may lower it) */
    float *pack;   /* ALBERT__PACK_FLOATS floats, 64-byte aligned, for the packed x of the linear layers */
    void *pack_block;
#ifndef ALBERT_NO_THREADS
    pthread_t *threads;
    albert__worker *workers;
    int n_started;
    pthread_mutex_t mutex;
    pthread_cond_t wake; /* workers wait here for a new generation */
    pthread_cond_t done; /* the caller waits here for n_done == task_count */
    unsigned generation; /* incremented for every job */
    uint64_t claim;      /* generation << 32 | the next index of that job to hand out */
    int n_done;          /* indices of the current job finished */
    int quit;
    albert__task_fn task;
    void *task_arg;
    int task_count;
#endif
};

static int albert__detect_isa(void)
{
#ifdef ALBERT__X86_SIMD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        if (__builtin_cpu_supports("avx512f")) return ALBERT__ISA_AVX512;
        return ALBERT__ISA_AVX2;
    }
#endif
#ifdef ALBERT__NEON_SIMD
    return ALBERT__ISA_NEON;
#endif
    return ALBERT__ISA_SCALAR;
}

#ifndef ALBERT_NO_THREADS
/* Between jobs a worker spins this many rounds checking for the next one before it sleeps on the
   condition variable (a forward pass issues ~100 jobs back to back; waking a sleeping thread costs
   tens of microseconds). About a millisecond. */
#define ALBERT__SPIN_ROUNDS 20000
/* After this many rounds the spinning thread also yields its core every 16th round: on a machine busier than
   its cores, a spinning thread otherwise takes the time slices the thread it waits for needs. */
#define ALBERT__SPIN_YIELD_AFTER 2000

#if defined(__GNUC__) || defined(__clang__)
#define ALBERT__ATOMIC_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ALBERT__ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define ALBERT__N_DONE(p) __atomic_load_n(&(p)->n_done, __ATOMIC_ACQUIRE)
#if defined(__x86_64__) || defined(__i386__)
#define ALBERT__CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define ALBERT__CPU_RELAX() __asm__ __volatile__("yield")
#else
#define ALBERT__CPU_RELAX() ((void)0)
#endif
#define ALBERT__CAN_SPIN 1
#else
#define ALBERT__ATOMIC_STORE(p, v) (*(p) = (v))
#define ALBERT__N_DONE(p) ((p)->n_done)
#define ALBERT__CAN_SPIN 0
#endif

#if ALBERT__CAN_SPIN
/* Round `spin` of a wait. */
static void albert__spin_pause(int spin)
{
    if (spin >= ALBERT__SPIN_YIELD_AFTER && spin % 16 == 0) sched_yield();
    else ALBERT__CPU_RELAX();
}
#endif

/* Hands out the indices of a job: whichever thread is running takes the next one, so a thread the system has
   not scheduled yet (the machine may be busy) delays nothing: the others do its share. Returns the index, or
   -1 when job `generation` has none left (or is over). */
static int albert__pool_claim(albert__pool *p, unsigned generation, int count)
{
#if ALBERT__CAN_SPIN
    uint64_t v = __atomic_load_n(&p->claim, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((unsigned)(v >> 32) != generation || (int)(v & 0xFFFFFFFFu) >= count) return -1;
        if (__atomic_compare_exchange_n(&p->claim, &v, v + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return (int)(v & 0xFFFFFFFFu);
    }
#else
    int index = -1;
    pthread_mutex_lock(&p->mutex);
    if ((unsigned)(p->claim >> 32) == generation && (int)(p->claim & 0xFFFFFFFFu) < count) {
        index = (int)(p->claim & 0xFFFFFFFFu);
        p->claim++;
    }
    pthread_mutex_unlock(&p->mutex);
    return index;
#endif
}

/* Runs indices of job `generation` until none is left; wakes the caller when the job's last one finishes. */
static void albert__pool_work(albert__pool *p, unsigned generation, albert__task_fn task, void *arg, int count)
{
    int index, finished;
    while ((index = albert__pool_claim(p, generation, count)) >= 0) {
        task(arg, index, count);
#if ALBERT__CAN_SPIN
        finished = __atomic_add_fetch(&p->n_done, 1, __ATOMIC_ACQ_REL) == count;
        if (finished) {
            pthread_mutex_lock(&p->mutex);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mutex);
        }
#else
        pthread_mutex_lock(&p->mutex);
        finished = ++p->n_done == count;
        if (finished) pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mutex);
#endif
    }
}

static void *albert__pool_worker(void *arg)
{
    albert__worker *worker = (albert__worker *)arg;
    albert__pool *p = worker->pool;
    unsigned seen = 0;
    for (;;) {
        albert__task_fn task;
        void *task_arg;
        int count, spin;
#if ALBERT__CAN_SPIN
        for (spin = 0; spin < ALBERT__SPIN_ROUNDS && ALBERT__ATOMIC_LOAD(&p->generation) == seen; spin++)
            albert__spin_pause(spin);
#else
        (void)spin;
#endif
        pthread_mutex_lock(&p->mutex);
        while (p->generation == seen && !p->quit) pthread_cond_wait(&p->wake, &p->mutex);
        if (p->quit) {
            pthread_mutex_unlock(&p->mutex);
            return NULL;
        }
        seen = p->generation;
        task = p->task;
        task_arg = p->task_arg;
        count = p->task_count;
        pthread_mutex_unlock(&p->mutex);
        albert__pool_work(p, seen, task, task_arg, count);
    }
}
#endif

static void albert__pool_free(albert__pool *p)
{
    if (!p) return;
#ifndef ALBERT_NO_THREADS
    if (p->threads) {
        int i;
        pthread_mutex_lock(&p->mutex);
        p->quit = 1;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mutex);
        for (i = 0; i < p->n_started; i++) pthread_join(p->threads[i], NULL);
        pthread_mutex_destroy(&p->mutex);
        pthread_cond_destroy(&p->wake);
        pthread_cond_destroy(&p->done);
    }
    ALBERT_FREE(p->threads);
    ALBERT_FREE(p->workers);
#endif
    ALBERT_FREE(p->pack_block);
    ALBERT_FREE(p);
}

/* A pool of n_threads (the caller plus n_threads - 1 workers, parked between jobs); NULL on failure. */
static albert__pool *albert__pool_create(int n_threads)
{
    albert__pool *p = (albert__pool *)ALBERT_MALLOC(sizeof(albert__pool));
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    p->n_threads = n_threads < 1 ? 1 : (n_threads > 256 ? 256 : n_threads);
    p->isa = albert__detect_isa();
    p->pack_block = ALBERT_MALLOC(ALBERT__PACK_FLOATS * sizeof(float) + 64);
    if (!p->pack_block) {
        ALBERT_FREE(p);
        return NULL;
    }
    p->pack = (float *)((char *)p->pack_block + (64 - (size_t)((uintptr_t)p->pack_block % 64)) % 64);
#ifdef ALBERT_NO_THREADS
    p->n_threads = 1;
#else
    if (p->n_threads > 1) {
        int i, n_workers = p->n_threads - 1;
        p->threads = (pthread_t *)ALBERT_MALLOC(sizeof(pthread_t) * (size_t)n_workers);
        p->workers = (albert__worker *)ALBERT_MALLOC(sizeof(albert__worker) * (size_t)n_workers);
        if (!p->threads || !p->workers) {
            ALBERT_FREE(p->threads);
            ALBERT_FREE(p->workers);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        if (pthread_mutex_init(&p->mutex, NULL) != 0) {
            ALBERT_FREE(p->threads);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        if (pthread_cond_init(&p->wake, NULL) != 0) {
            pthread_mutex_destroy(&p->mutex);
            ALBERT_FREE(p->threads);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        if (pthread_cond_init(&p->done, NULL) != 0) {
            pthread_cond_destroy(&p->wake);
            pthread_mutex_destroy(&p->mutex);
            ALBERT_FREE(p->threads);
            p->threads = NULL;
            albert__pool_free(p);
            return NULL;
        }
        for (i = 0; i < n_workers; i++) {
            p->workers[i].pool = p;
            p->workers[i].slot = i + 1;
            if (pthread_create(&p->threads[i], NULL, albert__pool_worker, &p->workers[i]) != 0) {
                albert__pool_free(p); /* joins the ones started */
                return NULL;
            }
            p->n_started++;
        }
    }
#endif
    return p;
}

/* Runs task(arg, i, count) for i in 0..count-1, spread over the pool's threads (each index once, on whichever
   thread claims it first; at most count run at the same time, so an index may name per-thread scratch);
   returns when all are done. */
static void albert__pool_run(albert__pool *p, albert__task_fn task, void *arg, int count)
{
    int i;
#ifndef ALBERT_NO_THREADS
    if (p && p->n_threads > 1 && count > 1) {
        unsigned generation;
        int spin;
        pthread_mutex_lock(&p->mutex);
        p->task = task;
        p->task_arg = arg;
        p->task_count = count;
        generation = p->generation + 1;
#if ALBERT__CAN_SPIN
        __atomic_store_n(&p->n_done, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&p->claim, (uint64_t)generation << 32, __ATOMIC_RELEASE);
#else
        p->n_done = 0;
        p->claim = (uint64_t)generation << 32;
#endif
        ALBERT__ATOMIC_STORE(&p->generation, generation);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mutex);
        albert__pool_work(p, generation, task, arg, count);
#if ALBERT__CAN_SPIN
        for (spin = 0; spin < ALBERT__SPIN_ROUNDS && ALBERT__N_DONE(p) != count; spin++) albert__spin_pause(spin);
#else
        (void)spin;
#endif
        pthread_mutex_lock(&p->mutex);
        while (ALBERT__N_DONE(p) != count) pthread_cond_wait(&p->done, &p->mutex);
        pthread_mutex_unlock(&p->mutex);
        return;
    }
#endif
    (void)p;
    for (i = 0; i < count; i++) task(arg, i, count);
}

static int albert__pool_threads(const albert__pool *p) { return p ? p->n_threads : 1; }
static int albert__pool_isa(const albert__pool *p) { return p ? p->isa : ALBERT__ISA_SCALAR; }

/* Rounds n up to a multiple of 16 floats (64 bytes). */
static size_t albert__round16(size_t n) { return (n + 15) / 16 * 16; }

/* Scratch floats the kernels need per context (attention of sequences up to max_seq tokens, hidden
   bounds the head size): per thread the transposed keys of one head and one block of scores. */
static size_t albert__kernel_scratch_floats(int max_seq, int hidden, int n_threads)
{
    size_t s = albert__round16((size_t)(max_seq < 1 ? 1 : max_seq));
    size_t per_thread = s * ((size_t)(hidden < 1 ? 1 : hidden) + ALBERT__QUERY_BLOCK) + 16;
    return per_thread * (size_t)(n_threads < 1 ? 1 : n_threads) + 16;
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

static void albert__activate_array_scalar(float *x, int n, int act)
{
    int i;
    if (!act || act == ALBERT_ACT_LINEAR) return;
    for (i = 0; i < n; i++) x[i] = albert__activate(x[i], act);
}

#ifdef ALBERT__X86_SIMD
#define ALBERT__AVX2 __attribute__((target("avx2,fma")))
#define ALBERT__AVX512 __attribute__((target("avx512f,avx2,fma")))

/* e^x, 8 lanes, relative error ~2 ulp (Cephes expf); x above 88 is taken as 88 (1.6e38), below -87.3 the result
   is 0 (never a subnormal number: those cost a microcode assist per operation on Intel CPUs). */
ALBERT__AVX2 static __m256 albert__exp8(__m256 x)
{
    __m256 n, r, p, underflow = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_GE_OQ);
    __m256i e;
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.0f));
    n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), underflow);
}

/* 1 / (1 + e^-x); x below -80 is taken as -80 (1.8e-35 instead of a subnormal or 0: x * sigmoid(x) stays
   normal too). */
ALBERT__AVX2 static __m256 albert__sigmoid8(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    x = _mm256_max_ps(x, _mm256_set1_ps(-80.0f));
    return _mm256_div_ps(one, _mm256_add_ps(one, albert__exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

/* erf(x), 8 lanes: Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7), odd extension; e^-x^2 is taken as
   e^-80 beyond |x| = 8.9, which keeps every intermediate normal. */
ALBERT__AVX2 static __m256 albert__erf8(__m256 x)
{
    __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(a, _mm256_set1_ps(0.3275911f), one));
    __m256 p = _mm256_set1_ps(1.061405429f);
    __m256 y;
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    y = _mm256_fnmadd_ps(p, albert__exp8(_mm256_sub_ps(_mm256_setzero_ps(),
                                                       _mm256_min_ps(_mm256_mul_ps(a, a), _mm256_set1_ps(80.0f)))), one);
    return _mm256_or_ps(y, sign);
}

/* The activation on 8 lanes; returns 0 if `act` has no vector version (then use the scalar one). */
ALBERT__AVX2 static int albert__activate8(__m256 *v, int act)
{
    __m256 x = *v, zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    switch (act) {
    case ALBERT_ACT_GELU:
    case ALBERT_ACT_GELU_10:
        x = _mm256_mul_ps(_mm256_mul_ps(half, x),
                          _mm256_add_ps(one, albert__erf8(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)))));
        if (act == ALBERT_ACT_GELU_10)
            x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-10.0f)), _mm256_set1_ps(10.0f));
        break;
    case ALBERT_ACT_GELU_TANH: {
        /* 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3) */
        __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
        __m256 u2 = _mm256_mul_ps(_mm256_set1_ps(2.0f * 0.79788456080286536f),
                                  _mm256_fmadd_ps(x3, _mm256_set1_ps(0.044715f), x));
        x = _mm256_mul_ps(x, albert__sigmoid8(u2));
        break;
    }
    case ALBERT_ACT_RELU: x = _mm256_max_ps(x, zero); break;
    case ALBERT_ACT_SILU: x = _mm256_mul_ps(x, albert__sigmoid8(x)); break;
    case ALBERT_ACT_QUICK_GELU: x = _mm256_mul_ps(x, albert__sigmoid8(_mm256_mul_ps(x, _mm256_set1_ps(1.702f)))); break;
    case ALBERT_ACT_TANH:
        x = _mm256_fmsub_ps(_mm256_set1_ps(2.0f), albert__sigmoid8(_mm256_add_ps(x, x)), one);
        break;
    case ALBERT_ACT_SIGMOID: x = albert__sigmoid8(x); break;
    case ALBERT_ACT_RELU6: x = _mm256_min_ps(_mm256_max_ps(x, zero), _mm256_set1_ps(6.0f)); break;
    case ALBERT_ACT_RELU2: x = _mm256_max_ps(x, zero); x = _mm256_mul_ps(x, x); break;
    case 0:
    case ALBERT_ACT_LINEAR: break;
    default: return 0;
    }
    *v = x;
    return 1;
}

ALBERT__AVX2 static void albert__activate_array_avx2(float *x, int n, int act)
{
    int i = 0;
    __m256 v = _mm256_setzero_ps();
    if (!act || act == ALBERT_ACT_LINEAR) return;
    if (!albert__activate8(&v, act)) {
        albert__activate_array_scalar(x, n, act);
        return;
    }
    for (; i + 8 <= n; i += 8) {
        v = _mm256_loadu_ps(x + i);
        albert__activate8(&v, act);
        _mm256_storeu_ps(x + i, v);
    }
    if (i < n) {
        float tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(tail, x + i, sizeof(float) * (size_t)(n - i));
        v = _mm256_loadu_ps(tail);
        albert__activate8(&v, act);
        _mm256_storeu_ps(tail, v);
        memcpy(x + i, tail, sizeof(float) * (size_t)(n - i));
    }
}

/* The same functions on 16 lanes (AVX-512F), with the same formulas and constants as the 8-lane ones, so
   both give the same results lane by lane. */
ALBERT__AVX512 static __m512 albert__exp16(__m512 x)
{
    __m512 n, r, p;
    __m512i e;
    __mmask16 normal = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_GE_OQ);
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.0f));
    n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mul_ps(normal, p, _mm512_castsi512_ps(e));
}

ALBERT__AVX512 static __m512 albert__sigmoid16(__m512 x)
{
    __m512 one = _mm512_set1_ps(1.0f);
    x = _mm512_max_ps(x, _mm512_set1_ps(-80.0f));
    return _mm512_div_ps(one, _mm512_add_ps(one, albert__exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

ALBERT__AVX512 static __m512 albert__erf16(__m512 x)
{
    __m512i sign_bit = _mm512_set1_epi32((int)0x80000000u);
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), sign_bit);
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign_bit, _mm512_castps_si512(x)));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), one));
    __m512 p = _mm512_set1_ps(1.061405429f);
    __m512 y;
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    y = _mm512_fnmadd_ps(p, albert__exp16(_mm512_sub_ps(_mm512_setzero_ps(),
                                                        _mm512_min_ps(_mm512_mul_ps(a, a), _mm512_set1_ps(80.0f)))), one);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y), sign));
}

/* The activation on 16 lanes; returns 0 if `act` has no vector version (then use the scalar one). */
ALBERT__AVX512 static int albert__activate16(__m512 *v, int act)
{
    __m512 x = *v, zero = _mm512_setzero_ps(), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    switch (act) {
    case ALBERT_ACT_GELU:
    case ALBERT_ACT_GELU_10:
        x = _mm512_mul_ps(_mm512_mul_ps(half, x),
                          _mm512_add_ps(one, albert__erf16(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f)))));
        if (act == ALBERT_ACT_GELU_10)
            x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-10.0f)), _mm512_set1_ps(10.0f));
        break;
    case ALBERT_ACT_GELU_TANH: {
        __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
        __m512 u2 = _mm512_mul_ps(_mm512_set1_ps(2.0f * 0.79788456080286536f),
                                  _mm512_fmadd_ps(x3, _mm512_set1_ps(0.044715f), x));
        x = _mm512_mul_ps(x, albert__sigmoid16(u2));
        break;
    }
    case ALBERT_ACT_RELU: x = _mm512_max_ps(x, zero); break;
    case ALBERT_ACT_SILU: x = _mm512_mul_ps(x, albert__sigmoid16(x)); break;
    case ALBERT_ACT_QUICK_GELU: x = _mm512_mul_ps(x, albert__sigmoid16(_mm512_mul_ps(x, _mm512_set1_ps(1.702f)))); break;
    case ALBERT_ACT_TANH:
        x = _mm512_fmsub_ps(_mm512_set1_ps(2.0f), albert__sigmoid16(_mm512_add_ps(x, x)), one);
        break;
    case ALBERT_ACT_SIGMOID: x = albert__sigmoid16(x); break;
    case ALBERT_ACT_RELU6: x = _mm512_min_ps(_mm512_max_ps(x, zero), _mm512_set1_ps(6.0f)); break;
    case ALBERT_ACT_RELU2: x = _mm512_max_ps(x, zero); x = _mm512_mul_ps(x, x); break;
    case 0:
    case ALBERT_ACT_LINEAR: break;
    default: return 0;
    }
    *v = x;
    return 1;
}

ALBERT__AVX512 static void albert__activate_array_avx512(float *x, int n, int act)
{
    int i = 0;
    __m512 v = _mm512_setzero_ps();
    if (!act || act == ALBERT_ACT_LINEAR) return;
    if (!albert__activate16(&v, act)) {
        albert__activate_array_scalar(x, n, act);
        return;
    }
    for (; i + 16 <= n; i += 16) {
        v = _mm512_loadu_ps(x + i);
        albert__activate16(&v, act);
        _mm512_storeu_ps(x + i, v);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        v = _mm512_maskz_loadu_ps(m, x + i);
        albert__activate16(&v, act);
        _mm512_mask_storeu_ps(x + i, m, v);
    }
}
#endif /* ALBERT__X86_SIMD */

/* act over n floats in place with the best available code. */
static void albert__activate_array(float *x, int n, int act, int isa)
{
#ifdef ALBERT__X86_SIMD
    if (isa == ALBERT__ISA_AVX512) {
        albert__activate_array_avx512(x, n, act);
        return;
    }
    if (isa >= ALBERT__ISA_AVX2) {
        albert__activate_array_avx2(x, n, act);
        return;
    }
#endif
    (void)isa;
    albert__activate_array_scalar(x, n, act);
}

/* ---------------------------------------------------------------- linear layers */
/* Micro-kernel shapes: MR rows of W x NR tokens. f32 weights on AVX-512: 6 x 64 (per step of k, 4 loads of x and
   6 broadcasts of W feed 24 FMAs: ~10-20% faster than 12 x 32, which needs 14 loads and 12 W streams; measured
   on Sapphire Rapids). The 12 x 32 shape remains for the f16 kernel of wip/quant.h. */
#define ALBERT__MR_F32_AVX512 6
#define ALBERT__NR_F32_AVX512 64
#define ALBERT__MR_AVX512 12
#define ALBERT__NR_AVX512 32
#define ALBERT__MR_AVX2 6
#define ALBERT__NR_AVX2 16
#define ALBERT__MR_NEON 8
#define ALBERT__NR_NEON 8
#define ALBERT__MR_MAX 12
#define ALBERT__NR_MAX 64

/* Packs rows [row0, row0 + rows) of x ([m x k], row stride ldx) into token panels of nr tokens:
   panel p holds xp[p * k * nr + kk * nr + t] = x[row0 + p * nr + t][kk], zero past row m. */
static void albert__pack_x_panel(const float *x, size_t ldx, int m, int k, int first_row, int nr, float *xp)
{
    const float *rows[ALBERT__NR_MAX];
    int t, kk;
    for (t = 0; t < nr; t++) rows[t] = first_row + t < m ? x + (size_t)(first_row + t) * ldx : NULL;
    for (kk = 0; kk < k; kk++) {
        float *o = xp + (size_t)kk * nr;
        for (t = 0; t < nr; t++) o[t] = rows[t] ? rows[t][kk] : 0.0f;
    }
}

#ifdef ALBERT__X86_SIMD
/* In place: r[t] lane i becomes r[i] lane t (a 16 x 16 transpose; straight-line code, so that the compiler keeps
   the 16 vectors in registers). */
ALBERT__AVX512 static void albert__transpose16_avx512(__m512 *r)
{
    __m512 t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15;
    __m512 u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15, v, v1, x, x1;
    t0 = _mm512_unpacklo_ps(r[0], r[1]), t1 = _mm512_unpackhi_ps(r[0], r[1]);   /* lane L: a0 b0 a1 b1 / a2 b2 a3 b3 */
    t2 = _mm512_unpacklo_ps(r[2], r[3]), t3 = _mm512_unpackhi_ps(r[2], r[3]);
    t4 = _mm512_unpacklo_ps(r[4], r[5]), t5 = _mm512_unpackhi_ps(r[4], r[5]);
    t6 = _mm512_unpacklo_ps(r[6], r[7]), t7 = _mm512_unpackhi_ps(r[6], r[7]);
    t8 = _mm512_unpacklo_ps(r[8], r[9]), t9 = _mm512_unpackhi_ps(r[8], r[9]);
    t10 = _mm512_unpacklo_ps(r[10], r[11]), t11 = _mm512_unpackhi_ps(r[10], r[11]);
    t12 = _mm512_unpacklo_ps(r[12], r[13]), t13 = _mm512_unpackhi_ps(r[12], r[13]);
    t14 = _mm512_unpacklo_ps(r[14], r[15]), t15 = _mm512_unpackhi_ps(r[14], r[15]);
    /* u(4g + p), lane L: rows 4g .. 4g+3 at element 4L + p */
    u0 = _mm512_shuffle_ps(t0, t2, 0x44), u1 = _mm512_shuffle_ps(t0, t2, 0xEE);
    u2 = _mm512_shuffle_ps(t1, t3, 0x44), u3 = _mm512_shuffle_ps(t1, t3, 0xEE);
    u4 = _mm512_shuffle_ps(t4, t6, 0x44), u5 = _mm512_shuffle_ps(t4, t6, 0xEE);
    u6 = _mm512_shuffle_ps(t5, t7, 0x44), u7 = _mm512_shuffle_ps(t5, t7, 0xEE);
    u8 = _mm512_shuffle_ps(t8, t10, 0x44), u9 = _mm512_shuffle_ps(t8, t10, 0xEE);
    u10 = _mm512_shuffle_ps(t9, t11, 0x44), u11 = _mm512_shuffle_ps(t9, t11, 0xEE);
    u12 = _mm512_shuffle_ps(t12, t14, 0x44), u13 = _mm512_shuffle_ps(t12, t14, 0xEE);
    u14 = _mm512_shuffle_ps(t13, t15, 0x44), u15 = _mm512_shuffle_ps(t13, t15, 0xEE);
    /* element 4L + p = lane L of u(p), u(4 + p), u(8 + p), u(12 + p) */
#define ALBERT__TRANSPOSE_P(p, a, b, c, d)                                                  \
    v = _mm512_shuffle_f32x4(a, b, 0x88), v1 = _mm512_shuffle_f32x4(a, b, 0xDD);           \
    x = _mm512_shuffle_f32x4(c, d, 0x88), x1 = _mm512_shuffle_f32x4(c, d, 0xDD);           \
    r[p] = _mm512_shuffle_f32x4(v, x, 0x88), r[8 + p] = _mm512_shuffle_f32x4(v, x, 0xDD);  \
    r[4 + p] = _mm512_shuffle_f32x4(v1, x1, 0x88), r[12 + p] = _mm512_shuffle_f32x4(v1, x1, 0xDD);
    ALBERT__TRANSPOSE_P(0, u0, u4, u8, u12)
    ALBERT__TRANSPOSE_P(1, u1, u5, u9, u13)
    ALBERT__TRANSPOSE_P(2, u2, u6, u10, u14)
    ALBERT__TRANSPOSE_P(3, u3, u7, u11, u15)
#undef ALBERT__TRANSPOSE_P
}

/* albert__pack_x_panel for nr a multiple of 16 with AVX-512: blocks of 16 rows x 16 values of k, loaded row by
   row and transposed in registers (rows past m read as zero). */
ALBERT__AVX512 static void albert__pack_x_panel_avx512(const float *x, size_t ldx, int m, int k, int first_row, int nr,
                                                       float *xp)
{
    int g, kk, i;
    __m512 r[16];
    for (g = 0; g < nr; g += 16) {
        int valid = m - first_row - g; /* rows of this group that exist */
        for (kk = 0; kk < k; kk += 16) {
            __mmask16 cols = (__mmask16)(k - kk >= 16 ? 0xFFFF : (1u << (k - kk)) - 1);
            int n_cols = k - kk >= 16 ? 16 : k - kk;
            for (i = 0; i < 16; i++)
                r[i] = i < valid ? _mm512_maskz_loadu_ps(cols, x + (size_t)(first_row + g + i) * ldx + kk) : _mm512_setzero_ps();
            albert__transpose16_avx512(r);
            for (i = 0; i < n_cols; i++) _mm512_store_ps(xp + (size_t)(kk + i) * nr + g, r[i]);
        }
    }
}

/* tile[ii * 64 + t] = sum_kk w_ii[kk] * xp[kk * 64 + t] for ii < 6, t < 64 (AVX-512). prefetch_w: the W rows
   come from memory (the first panel of a block): ask for them 4 cache lines ahead, which the hardware
   prefetcher does not do well enough (~5% on k = 768 layers). */
ALBERT__AVX512 static void albert__tile_avx512(int k, const float *const *w, const float *xp, float *tile,
                                               int prefetch_w)
{
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5];
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    __m512 c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    __m512 c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
    int kk;
    for (kk = 0; kk < k; kk++) {
        __m512 x0 = _mm512_load_ps(xp), x1 = _mm512_load_ps(xp + 16), x2 = _mm512_load_ps(xp + 32);
        __m512 x3 = _mm512_load_ps(xp + 48), b;
        xp += 64;
#define ALBERT__ROW512(r)                          \
    b = _mm512_set1_ps(w##r[kk]);                  \
    c##r##0 = _mm512_fmadd_ps(b, x0, c##r##0);     \
    c##r##1 = _mm512_fmadd_ps(b, x1, c##r##1);     \
    c##r##2 = _mm512_fmadd_ps(b, x2, c##r##2);     \
    c##r##3 = _mm512_fmadd_ps(b, x3, c##r##3);
        ALBERT__ROW512(0) ALBERT__ROW512(1) ALBERT__ROW512(2) ALBERT__ROW512(3) ALBERT__ROW512(4) ALBERT__ROW512(5)
#undef ALBERT__ROW512
        if (prefetch_w && (kk & 15) == 0 && kk + 64 < k) {
#define ALBERT__PREFETCH512(r) _mm_prefetch((const char *)(w##r + kk + 64), _MM_HINT_T0);
            ALBERT__PREFETCH512(0) ALBERT__PREFETCH512(1) ALBERT__PREFETCH512(2)
            ALBERT__PREFETCH512(3) ALBERT__PREFETCH512(4) ALBERT__PREFETCH512(5)
#undef ALBERT__PREFETCH512
        }
    }
#define ALBERT__STORE512(r)                          \
    _mm512_store_ps(tile + r * 64, c##r##0);         \
    _mm512_store_ps(tile + r * 64 + 16, c##r##1);    \
    _mm512_store_ps(tile + r * 64 + 32, c##r##2);    \
    _mm512_store_ps(tile + r * 64 + 48, c##r##3);
    ALBERT__STORE512(0) ALBERT__STORE512(1) ALBERT__STORE512(2) ALBERT__STORE512(3) ALBERT__STORE512(4) ALBERT__STORE512(5)
#undef ALBERT__STORE512
}

/* tile[ii * 16 + t] = sum_kk w_ii[kk] * xp[kk * 16 + t] for ii < 6, t < 16 (AVX2 + FMA). */
ALBERT__AVX2 static void albert__tile_avx2(int k, const float *const *w, const float *xp, float *tile)
{
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5];
    __m256 c0a = _mm256_setzero_ps(), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a;
    __m256 c3a = c0a, c3b = c0a, c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a;
    int kk;
    for (kk = 0; kk < k; kk++) {
        __m256 xa = _mm256_load_ps(xp), xb = _mm256_load_ps(xp + 8), b;
        xp += 16;
#define ALBERT__ROW256(r)                            \
    b = _mm256_broadcast_ss(w##r + kk);              \
    c##r##a = _mm256_fmadd_ps(b, xa, c##r##a);       \
    c##r##b = _mm256_fmadd_ps(b, xb, c##r##b);
        ALBERT__ROW256(0) ALBERT__ROW256(1) ALBERT__ROW256(2)
        ALBERT__ROW256(3) ALBERT__ROW256(4) ALBERT__ROW256(5)
#undef ALBERT__ROW256
    }
#define ALBERT__STORE256(r)                          \
    _mm256_store_ps(tile + r * 16, c##r##a);         \
    _mm256_store_ps(tile + r * 16 + 8, c##r##b);
    ALBERT__STORE256(0) ALBERT__STORE256(1) ALBERT__STORE256(2)
    ALBERT__STORE256(3) ALBERT__STORE256(4) ALBERT__STORE256(5)
#undef ALBERT__STORE256
}
#endif /* ALBERT__X86_SIMD */

#ifdef ALBERT__NEON_SIMD
/* tile[ii * 8 + t] = sum_kk w_ii[kk] * xp[kk * 8 + t] for ii < 8, t < 8 (AArch64 NEON): 16 accumulators;
   4 steps of kk at a time, each W row's 4 values in one register, used lane by lane. */
static void albert__tile_neon(int k, const float *const *w, const float *xp, float *tile)
{
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3], *w4 = w[4], *w5 = w[5], *w6 = w[6], *w7 = w[7];
    float32x4_t c0a = vdupq_n_f32(0.0f), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
    float32x4_t c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a, c7a = c0a, c7b = c0a;
    float32x4_t xa, xb;
    int kk = 0;
    for (; kk + 4 <= k; kk += 4) {
        float32x4_t v0 = vld1q_f32(w0 + kk), v1 = vld1q_f32(w1 + kk), v2 = vld1q_f32(w2 + kk), v3 = vld1q_f32(w3 + kk);
        float32x4_t v4 = vld1q_f32(w4 + kk), v5 = vld1q_f32(w5 + kk), v6 = vld1q_f32(w6 + kk), v7 = vld1q_f32(w7 + kk);
#define ALBERT__ROWNEON(r, lane)                       \
    c##r##a = vfmaq_laneq_f32(c##r##a, xa, v##r, lane); \
    c##r##b = vfmaq_laneq_f32(c##r##b, xb, v##r, lane);
#define ALBERT__STEPNEON(lane)                                                                           \
    xa = vld1q_f32(xp + (lane) * 8);                                                                     \
    xb = vld1q_f32(xp + (lane) * 8 + 4);                                                                 \
    ALBERT__ROWNEON(0, lane) ALBERT__ROWNEON(1, lane) ALBERT__ROWNEON(2, lane) ALBERT__ROWNEON(3, lane) \
    ALBERT__ROWNEON(4, lane) ALBERT__ROWNEON(5, lane) ALBERT__ROWNEON(6, lane) ALBERT__ROWNEON(7, lane)
        ALBERT__STEPNEON(0) ALBERT__STEPNEON(1) ALBERT__STEPNEON(2) ALBERT__STEPNEON(3)
#undef ALBERT__STEPNEON
#undef ALBERT__ROWNEON
        xp += 32;
    }
    for (; kk < k; kk++) {
        xa = vld1q_f32(xp);
        xb = vld1q_f32(xp + 4);
        xp += 8;
#define ALBERT__TAILNEON(r)                       \
    c##r##a = vfmaq_n_f32(c##r##a, xa, w##r[kk]); \
    c##r##b = vfmaq_n_f32(c##r##b, xb, w##r[kk]);
        ALBERT__TAILNEON(0) ALBERT__TAILNEON(1) ALBERT__TAILNEON(2) ALBERT__TAILNEON(3)
        ALBERT__TAILNEON(4) ALBERT__TAILNEON(5) ALBERT__TAILNEON(6) ALBERT__TAILNEON(7)
#undef ALBERT__TAILNEON
    }
#define ALBERT__STORENEON(r)            \
    vst1q_f32(tile + r * 8, c##r##a);   \
    vst1q_f32(tile + r * 8 + 4, c##r##b);
    ALBERT__STORENEON(0) ALBERT__STORENEON(1) ALBERT__STORENEON(2) ALBERT__STORENEON(3)
    ALBERT__STORENEON(4) ALBERT__STORENEON(5) ALBERT__STORENEON(6) ALBERT__STORENEON(7)
#undef ALBERT__STORENEON
}
#endif

typedef struct albert__linear_job {
    const float *x;
    size_t ldx;
    int m, k, n;
    const float *w;
    const float *b;
    int act;
    const float *residual;
    float *y;
    int isa, mr, nr;
    int chunk_row0, chunk_rows; /* rows of x packed in this round */
    float *xp;                  /* packed panels of the chunk */
} albert__linear_job;

static void albert__linear_pack_task(void *arg, int index, int count)
{
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int n_panels = (job->chunk_rows + job->nr - 1) / job->nr, p;
    for (p = index; p < n_panels; p += count) {
#ifdef ALBERT__X86_SIMD
        if (job->isa == ALBERT__ISA_AVX512 && job->nr % 16 == 0) {
            albert__pack_x_panel_avx512(job->x, job->ldx, job->m, job->k, job->chunk_row0 + p * job->nr, job->nr,
                                        job->xp + (size_t)p * job->k * job->nr);
            continue;
        }
#endif
        albert__pack_x_panel(job->x, job->ldx, job->m, job->k, job->chunk_row0 + p * job->nr, job->nr,
                             job->xp + (size_t)p * job->k * job->nr);
    }
}

#ifdef ALBERT__PANELS
/* Bias, activation and residual on a finished tile (tile[ii * nr + t] = W row j0+ii . x row row0+t),
   then the transposed store into y. mr_used / nt_used: the valid rows of W and tokens. */
static void albert__linear_store_tile(const albert__linear_job *job, float *tile, int j0, int mr_used, int row0,
                                      int nt_used)
{
    int nr = job->nr, ii, t;
    if (job->b)
        for (ii = 0; ii < mr_used; ii++) {
            float bias = job->b[j0 + ii];
            float *tr = tile + (size_t)ii * nr;
            for (t = 0; t < nt_used; t++) tr[t] += bias;
        }
    if (job->act && job->act != ALBERT_ACT_LINEAR) albert__activate_array(tile, mr_used * nr, job->act, job->isa);
    for (t = 0; t < nt_used; t++) {
        float *yr = job->y + (size_t)(row0 + t) * job->n + j0;
        const float *tc = tile + t;
        if (job->residual) {
            const float *rr = job->residual + (size_t)(row0 + t) * job->n + j0;
            for (ii = 0; ii < mr_used; ii++) yr[ii] = tc[(size_t)ii * nr] + rr[ii];
        } else {
            for (ii = 0; ii < mr_used; ii++) yr[ii] = tc[(size_t)ii * nr];
        }
    }
}

#endif

#ifdef ALBERT__X86_SIMD
/* The same with AVX-512 (job->nr a multiple of 16, at most 16 rows of W): bias and activation on each W row of
   the tile (16 tokens per vector), then a 16 x 16 transpose per 16 tokens gives each token its mr_used values,
   which get the residual and are stored. Returns 0 (nothing done) if the activation has no vector version. */
ALBERT__AVX512 static int albert__linear_store_tile_avx512(const albert__linear_job *job, float *tile, int j0,
                                                          int mr_used, int row0, int nt_used)
{
    int nr = job->nr, act = job->act == ALBERT_ACT_LINEAR ? 0 : job->act, t, ii, g;
    __mmask16 used = (__mmask16)((1u << mr_used) - 1);
    __m512 r[16];
    r[0] = _mm512_setzero_ps();
    if (act && !albert__activate16(&r[0], act)) return 0;
    for (g = 0; g < nt_used; g += 16) {
        for (ii = 0; ii < 16; ii++) {
            if (ii >= mr_used) {
                r[ii] = _mm512_setzero_ps();
                continue;
            }
            r[ii] = _mm512_load_ps(tile + ii * nr + g);
            if (job->b) r[ii] = _mm512_add_ps(r[ii], _mm512_set1_ps(job->b[j0 + ii]));
            if (act) albert__activate16(&r[ii], act);
        }
        albert__transpose16_avx512(r);
        for (t = 0; t < 16 && g + t < nt_used; t++) {
            size_t at = (size_t)(row0 + g + t) * job->n + j0;
            __m512 y = r[t];
            if (job->residual) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(used, job->residual + at));
            _mm512_mask_storeu_ps(job->y + at, used, y);
        }
    }
    return 1;
}
#endif

#ifdef ALBERT__PANELS
/* Block `blk` of W rows (mr of them) against every panel of the chunk. */
static void albert__linear_block(const albert__linear_job *job, int blk, float *tile)
{
    int mr = job->mr, nr = job->nr, n_panels = (job->chunk_rows + nr - 1) / nr, p, ii;
    int j0 = blk * mr, mr_used = job->n - j0 < mr ? job->n - j0 : mr;
    const float *wrows[ALBERT__MR_MAX];
    for (ii = 0; ii < mr; ii++) wrows[ii] = job->w + (size_t)(j0 + (ii < mr_used ? ii : mr_used - 1)) * job->k;
    for (p = 0; p < n_panels; p++) {
        int row0 = job->chunk_row0 + p * nr;
        int nt_used = job->chunk_rows - p * nr < nr ? job->chunk_rows - p * nr : nr;
        const float *xp = job->xp + (size_t)p * job->k * nr;
#ifdef ALBERT__X86_SIMD
        if (job->isa == ALBERT__ISA_AVX512) {
            albert__tile_avx512(job->k, wrows, xp, tile, p == 0);
            if (albert__linear_store_tile_avx512(job, tile, j0, mr_used, row0, nt_used)) continue;
        } else {
            albert__tile_avx2(job->k, wrows, xp, tile);
        }
#else
        albert__tile_neon(job->k, wrows, xp, tile);
#endif
        albert__linear_store_tile(job, tile, j0, mr_used, row0, nt_used);
    }
}
#endif

/* Thread `index` of `count` computes its range of W rows for all rows of the chunk. */
static void albert__linear_tiles_task(void *arg, int index, int count)
{
#ifdef ALBERT__PANELS
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int n_blocks = (job->n + job->mr - 1) / job->mr;
    int blk = (int)((int64_t)n_blocks * index / count), block_end = (int)((int64_t)n_blocks * (index + 1) / count);
    float tile_block[ALBERT__MR_MAX * ALBERT__NR_MAX + 16];
    float *tile = tile_block + (16 - (size_t)((uintptr_t)tile_block / sizeof(float) % 16)) % 16;
    for (; blk < block_end; blk++) albert__linear_block(job, blk, tile);
#else
    (void)arg; /* only the SIMD paths pack x into panels */
    (void)index;
    (void)count;
#endif
}

/* Tasks for the tiles of a linear layer: with threads, one per block of W rows (a block is ~10 us of work for
   128 tokens, a claim ~0.1 us), so that when the machine is busy and one thread runs late or is descheduled,
   the others take over its share (the pool hands out tasks to whichever thread asks). */
static int albert__linear_task_count(int n_blocks, int n_threads)
{
    return n_threads > 1 ? n_blocks : 1;
}

#ifdef ALBERT__X86_SIMD
/* Few rows of x (m <= ALBERT__DOT_MAX_ROWS): dot products along k instead of tiles, no packing. The panels of
   ALBERT__NR_F32_AVX512 tokens would be mostly padding, and such calls are bound by reading W anyway: this reads
   3 W rows at a time straight through, against up to 8 rows of x (which stay in L1).
   dots[c * 8 + t] = w_c . x_t for c < 3, t < 8. */
#define ALBERT__DOT_MAX_ROWS 8
ALBERT__AVX512 static void albert__dot_3x8_avx512(int k, const float *const *w, const float *const *x, float *dots)
{
    const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3], *x4 = x[4], *x5 = x[5], *x6 = x[6], *x7 = x[7];
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
    __m512 c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
    int kk;
    for (kk = 0; kk < k; kk += 16) {
        __mmask16 m = (__mmask16)(k - kk >= 16 ? 0xFFFF : (1u << (k - kk)) - 1);
        __m512 w0 = _mm512_maskz_loadu_ps(m, w[0] + kk), w1 = _mm512_maskz_loadu_ps(m, w[1] + kk);
        __m512 w2 = _mm512_maskz_loadu_ps(m, w[2] + kk), xv;
#define ALBERT__DOT3(t)                          \
    xv = _mm512_maskz_loadu_ps(m, x##t + kk);    \
    a##t = _mm512_fmadd_ps(w0, xv, a##t);        \
    b##t = _mm512_fmadd_ps(w1, xv, b##t);        \
    c##t = _mm512_fmadd_ps(w2, xv, c##t);
        ALBERT__DOT3(0) ALBERT__DOT3(1) ALBERT__DOT3(2) ALBERT__DOT3(3)
        ALBERT__DOT3(4) ALBERT__DOT3(5) ALBERT__DOT3(6) ALBERT__DOT3(7)
#undef ALBERT__DOT3
    }
#define ALBERT__DOT3_SUM(t)                      \
    dots[t] = _mm512_reduce_add_ps(a##t);        \
    dots[8 + t] = _mm512_reduce_add_ps(b##t);    \
    dots[16 + t] = _mm512_reduce_add_ps(c##t);
    ALBERT__DOT3_SUM(0) ALBERT__DOT3_SUM(1) ALBERT__DOT3_SUM(2) ALBERT__DOT3_SUM(3)
    ALBERT__DOT3_SUM(4) ALBERT__DOT3_SUM(5) ALBERT__DOT3_SUM(6) ALBERT__DOT3_SUM(7)
#undef ALBERT__DOT3_SUM
}

/* Thread `index` of `count` computes its range of W rows (in threes) for every row of x. */
ALBERT__AVX512 static void albert__linear_dot_task(void *arg, int index, int count)
{
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int n_triples = (job->n + 2) / 3;
    int begin = (int)((int64_t)n_triples * index / count), end = (int)((int64_t)n_triples * (index + 1) / count);
    int act = job->act == ALBERT_ACT_LINEAR ? 0 : job->act, tri, t0, c, t;
    float dots[24];
    const float *wrows[3], *xrows[8];
    for (tri = begin; tri < end; tri++) {
        int j0 = tri * 3, c_used = job->n - j0 < 3 ? job->n - j0 : 3;
        for (c = 0; c < 3; c++) wrows[c] = job->w + (size_t)(j0 + (c < c_used ? c : c_used - 1)) * job->k;
        for (t0 = 0; t0 < job->m; t0 += 8) {
            int t_used = job->m - t0 < 8 ? job->m - t0 : 8;
            for (t = 0; t < 8; t++) xrows[t] = job->x + (size_t)(t0 + (t < t_used ? t : t_used - 1)) * job->ldx;
            albert__dot_3x8_avx512(job->k, wrows, xrows, dots);
            if (job->b)
                for (c = 0; c < 3; c++)
                    for (t = 0; t < 8; t++) dots[c * 8 + t] += job->b[j0 + (c < c_used ? c : 0)];
            if (act) albert__activate_array(dots, 24, act, ALBERT__ISA_AVX512);
            for (t = 0; t < t_used; t++) {
                float *yr = job->y + (size_t)(t0 + t) * job->n + j0;
                const float *rr = job->residual ? job->residual + (size_t)(t0 + t) * job->n + j0 : NULL;
                for (c = 0; c < c_used; c++) yr[c] = dots[c * 8 + t] + (rr ? rr[c] : 0.0f);
            }
        }
    }
}
#endif

/* The portable path: thread `index` of `count` computes its share of output columns, 4 rows of x at a time. */
static void albert__linear_scalar_task(void *arg, int index, int count)
{
    const albert__linear_job *job = (const albert__linear_job *)arg;
    int j_begin = (int)((int64_t)job->n * index / count), j_end = (int)((int64_t)job->n * (index + 1) / count);
    int k = job->k, i, j, t, r;
    for (i = 0; i < job->m; i += 4) {
        int rows = job->m - i < 4 ? job->m - i : 4;
        const float *x0 = job->x + (size_t)i * job->ldx;
        const float *x1 = job->x + (size_t)(i + (rows > 1 ? 1 : 0)) * job->ldx;
        const float *x2 = job->x + (size_t)(i + (rows > 2 ? 2 : 0)) * job->ldx;
        const float *x3 = job->x + (size_t)(i + (rows > 3 ? 3 : 0)) * job->ldx;
        for (j = j_begin; j < j_end; j++) {
            const float *wr = job->w + (size_t)j * k;
            float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (t = 0; t < k; t++) {
                float wv = wr[t];
                s[0] += x0[t] * wv;
                s[1] += x1[t] * wv;
                s[2] += x2[t] * wv;
                s[3] += x3[t] * wv;
            }
            for (r = 0; r < rows; r++) {
                float v = s[r] + (job->b ? job->b[j] : 0.0f);
                albert__activate_array(&v, 1, job->act, ALBERT__ISA_SCALAR);
                if (job->residual) v += job->residual[(size_t)(i + r) * job->n + j];
                job->y[(size_t)(i + r) * job->n + j] = v;
            }
        }
    }
}

/* y[m x n] = act(x[m x k] . W^T + b) + residual, with W [n x k] row-major (PyTorch Linear order).
   b and residual ([m x n]) may be NULL; act 0 = none (else an albert_activation, applied before the residual
   is added). y must not alias x; it may alias residual. */
static void albert__linear(albert__pool *pool, const float *x, int m, int k, const float *w, const float *b, int n,
                           int act, const float *residual, float *y)
{
    albert__linear_job job;
    int n_threads = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    memset(&job, 0, sizeof job);
    job.x = x;
    job.ldx = (size_t)k;
    job.m = m;
    job.k = k;
    job.n = n;
    job.w = w;
    job.b = b;
    job.act = act;
    job.residual = residual;
    job.y = y;
    job.isa = albert__pool_isa(pool);
    if (job.isa == ALBERT__ISA_AVX512) {
        job.mr = ALBERT__MR_F32_AVX512;
        job.nr = ALBERT__NR_F32_AVX512;
    } else if (job.isa == ALBERT__ISA_NEON) {
        job.mr = ALBERT__MR_NEON;
        job.nr = ALBERT__NR_NEON;
    } else {
        job.mr = ALBERT__MR_AVX2;
        job.nr = ALBERT__NR_AVX2;
    }
    if (k <= 0 || job.isa == ALBERT__ISA_SCALAR || (size_t)k * (size_t)job.nr > ALBERT__PACK_FLOATS) {
        if (k <= 0) { /* no inner dimension: y = act(b) + residual */
            int i, j;
            for (i = 0; i < m; i++)
                for (j = 0; j < n; j++) {
                    float v = albert__activate(b ? b[j] : 0.0f, act);
                    y[(size_t)i * n + j] = v + (residual ? residual[(size_t)i * n + j] : 0.0f);
                }
            return;
        }
        albert__pool_run(pool, albert__linear_scalar_task, &job, n_threads);
        return;
    }
#ifdef ALBERT__X86_SIMD
    if (job.isa == ALBERT__ISA_AVX512 && m <= ALBERT__DOT_MAX_ROWS) {
        /* tasks of ~8 triples of W rows (each a few hundred ns) when there are threads to share them */
        int n_triples = (n + 2) / 3, tasks = n_threads > 1 ? (n_triples + 7) / 8 : 1;
        albert__pool_run(pool, albert__linear_dot_task, &job, tasks);
        return;
    }
#endif
    {
        /* rows per round: as many whole panels as ALBERT__CHUNK_FLOATS holds (the pack buffer holds more) */
        int panels_fit = (int)(ALBERT__CHUNK_FLOATS / ((size_t)k * (size_t)job.nr));
        int chunk_max = (panels_fit < 1 ? 1 : panels_fit) * job.nr;
        int n_blocks = (n + job.mr - 1) / job.mr;
        int tile_tasks = albert__linear_task_count(n_blocks, n_threads);
        int row0;
        job.xp = pool->pack;
        for (row0 = 0; row0 < m; row0 += chunk_max) {
            int n_panels;
            job.chunk_row0 = row0;
            job.chunk_rows = m - row0 < chunk_max ? m - row0 : chunk_max;
            n_panels = (job.chunk_rows + job.nr - 1) / job.nr;
            albert__pool_run(pool, albert__linear_pack_task, &job, n_panels < n_threads ? n_panels : n_threads);
            albert__pool_run(pool, albert__linear_tiles_task, &job, tile_tasks);
        }
    }
}

#ifdef ALBERT__X86_SIMD
/* Several linear layers of one x (see albert__linear_group). */
#define ALBERT__GROUP_MAX 3
typedef struct albert__linear_group_job {
    albert__linear_job parts[ALBERT__GROUP_MAX];
    int count;    /* layers */
    int n_blocks; /* blocks of W rows per layer */
} albert__linear_group_job;

/* Thread `index` of `count` computes its range of the blocks of all the layers, for all rows of the chunk. */
static void albert__linear_group_task(void *arg, int index, int count)
{
    const albert__linear_group_job *group = (const albert__linear_group_job *)arg;
    int total = group->count * group->n_blocks;
    int at = (int)((int64_t)total * index / count), end = (int)((int64_t)total * (index + 1) / count);
    float tile_block[ALBERT__MR_MAX * ALBERT__NR_MAX + 16];
    float *tile = tile_block + (16 - (size_t)((uintptr_t)tile_block / sizeof(float) % 16)) % 16;
    for (; at < end; at++) albert__linear_block(&group->parts[at / group->n_blocks], at % group->n_blocks, tile);
}
#endif

/* y[i] = x . w[i]^T + b[i] for i < count (1 .. 3), every w[i] [n x k] row-major, b[i] may be NULL: the query,
   key and value projections of attention. The same results as count albert__linear calls (no activation, no
   residual), but x is packed once and all the layers' tiles are one job. No y[i] may alias x. */
static void albert__linear_group(albert__pool *pool, const float *x, int m, int k, int n, int count,
                                 const float *const *w, const float *const *b, float *const *y)
{
#ifdef ALBERT__X86_SIMD
    albert__linear_group_job group;
    int isa = albert__pool_isa(pool), n_threads = albert__pool_threads(pool), mr, nr, i;
    if (count < 1 || count > ALBERT__GROUP_MAX || m <= 0 || n <= 0) return;
    mr = isa == ALBERT__ISA_AVX512 ? ALBERT__MR_F32_AVX512 : ALBERT__MR_AVX2;
    nr = isa == ALBERT__ISA_AVX512 ? ALBERT__NR_F32_AVX512 : ALBERT__NR_AVX2;
    if (isa != ALBERT__ISA_SCALAR && k > 0 && (size_t)k * (size_t)nr <= ALBERT__PACK_FLOATS &&
        !(isa == ALBERT__ISA_AVX512 && m <= ALBERT__DOT_MAX_ROWS)) {
        int panels_fit = (int)(ALBERT__CHUNK_FLOATS / ((size_t)k * (size_t)nr));
        int chunk_max = (panels_fit < 1 ? 1 : panels_fit) * nr, row0, tasks;
        memset(&group, 0, sizeof group);
        group.count = count;
        group.n_blocks = (n + mr - 1) / mr;
        tasks = albert__linear_task_count(group.count * group.n_blocks, n_threads);
        for (i = 0; i < count; i++) {
            albert__linear_job *job = &group.parts[i];
            job->x = x;
            job->ldx = (size_t)k;
            job->m = m;
            job->k = k;
            job->n = n;
            job->w = w[i];
            job->b = b[i];
            job->y = y[i];
            job->isa = isa;
            job->mr = mr;
            job->nr = nr;
            job->xp = pool->pack;
        }
        for (row0 = 0; row0 < m; row0 += chunk_max) {
            int n_panels;
            for (i = 0; i < count; i++) {
                group.parts[i].chunk_row0 = row0;
                group.parts[i].chunk_rows = m - row0 < chunk_max ? m - row0 : chunk_max;
            }
            n_panels = (group.parts[0].chunk_rows + nr - 1) / nr;
            albert__pool_run(pool, albert__linear_pack_task, &group.parts[0], n_panels < n_threads ? n_panels : n_threads);
            albert__pool_run(pool, albert__linear_group_task, &group, tasks);
        }
        return;
    }
#endif
    {
        int j;
        for (j = 0; j < count && j < 3; j++) albert__linear(pool, x, m, k, w[j], b[j], n, 0, NULL, y[j]);
    }
}

/* ---------------------------------------------------------------- layer norm */
typedef struct albert__norm_job {
    float *x;
    int m, n;
    const float *g, *b;
    float eps;
    int isa;
} albert__norm_job;

static void albert__layer_norm_row_scalar(float *r, int n, const float *g, const float *b, float eps)
{
    double mean = 0.0, var = 0.0;
    float inv, meanf;
    int j;
    for (j = 0; j < n; j++) mean += r[j];
    mean /= n;
    for (j = 0; j < n; j++) var += (r[j] - mean) * (r[j] - mean);
    var /= n;
    inv = (float)(1.0 / sqrt(var + eps));
    meanf = (float)mean;
    for (j = 0; j < n; j++) r[j] = (r[j] - meanf) * inv * g[j] + b[j];
}

#ifdef ALBERT__X86_SIMD
ALBERT__AVX2 static float albert__hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

ALBERT__AVX2 static float albert__hmax8(__m256 v)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* Two passes (mean, then the centred sum of squares), sums in double lanes. */
ALBERT__AVX2 static void albert__layer_norm_row_avx2(float *r, int n, const float *g, const float *b, float eps)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    double mean, var, tail = 0.0;
    float inv, meanf;
    __m256 vm, vi;
    __m128d h;
    int j;
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 v = _mm256_loadu_ps(r + j);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    for (; j < n; j++) tail += r[j];
    s0 = _mm256_add_pd(s0, s1);
    h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    mean = (_mm_cvtsd_f64(h) + _mm_cvtsd_f64(_mm_unpackhi_pd(h, h)) + tail) / n;
    meanf = (float)mean;
    vm = _mm256_set1_ps(meanf);
    s0 = _mm256_setzero_pd();
    s1 = _mm256_setzero_pd();
    tail = 0.0;
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(r + j), vm);
        __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(d)), d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(d, 1));
        s0 = _mm256_fmadd_pd(d0, d0, s0);
        s1 = _mm256_fmadd_pd(d1, d1, s1);
    }
    for (; j < n; j++) tail += (double)(r[j] - meanf) * (r[j] - meanf);
    s0 = _mm256_add_pd(s0, s1);
    h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    var = (_mm_cvtsd_f64(h) + _mm_cvtsd_f64(_mm_unpackhi_pd(h, h)) + tail) / n;
    inv = (float)(1.0 / sqrt(var + eps));
    vi = _mm256_set1_ps(inv);
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(r + j), vm), vi);
        _mm256_storeu_ps(r + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(g + j), _mm256_loadu_ps(b + j)));
    }
    for (; j < n; j++) r[j] = (r[j] - meanf) * inv * g[j] + b[j];
}
#endif

static void albert__layer_norm_task(void *arg, int index, int count)
{
    const albert__norm_job *job = (const albert__norm_job *)arg;
    int i = (int)((int64_t)job->m * index / count), end = (int)((int64_t)job->m * (index + 1) / count);
    for (; i < end; i++) {
        float *r = job->x + (size_t)i * job->n;
#ifdef ALBERT__X86_SIMD
        if (job->isa >= ALBERT__ISA_AVX2) {
            albert__layer_norm_row_avx2(r, job->n, job->g, job->b, job->eps);
            continue;
        }
#endif
        albert__layer_norm_row_scalar(r, job->n, job->g, job->b, job->eps);
    }
}

/* In place over each of m rows of n: (x - mean) / sqrt(var + eps) * g + b (biased variance, as PyTorch). */
static void albert__layer_norm(albert__pool *pool, float *x, int m, int n, const float *g, const float *b, float eps)
{
    albert__norm_job job;
    int tasks = albert__pool_threads(pool);
    if (m <= 0 || n <= 0) return;
    job.x = x;
    job.m = m;
    job.n = n;
    job.g = g;
    job.b = b;
    job.eps = eps;
    job.isa = albert__pool_isa(pool);
    if ((size_t)m * (size_t)n < 16384) tasks = 1; /* not worth waking threads */
    if (tasks > m) tasks = m;
    albert__pool_run(pool, albert__layer_norm_task, &job, tasks);
}

/* ---------------------------------------------------------------- attention */
/* c[rows x cols] = alpha * a[rows x k] . bm[k x cols] (row strides lda, ldb, ldc), all row-major. */
static void albert__matmul_scalar(int rows, int cols, int k, const float *a, size_t lda, const float *bm, size_t ldb,
                                  float alpha, float *c, size_t ldc)
{
    int i, j, t;
    for (i = 0; i < rows; i++) {
        float *cr = c + (size_t)i * ldc;
        const float *ar = a + (size_t)i * lda;
        for (j = 0; j < cols; j++) cr[j] = 0.0f;
        for (t = 0; t < k; t++) {
            float av = ar[t];
            const float *br = bm + (size_t)t * ldb;
            for (j = 0; j < cols; j++) cr[j] += av * br[j];
        }
        for (j = 0; j < cols; j++) cr[j] *= alpha;
    }
}

#ifdef ALBERT__X86_SIMD
/* The same, AVX-512: blocks of 6 rows x 64 columns, column tails masked. */
ALBERT__AVX512 static void albert__matmul_avx512(int rows, int cols, int k, const float *a, size_t lda, const float *bm,
                                                 size_t ldb, float alpha, float *c, size_t ldc)
{
    int i0, j0, t, r;
    __m512 va = _mm512_set1_ps(alpha);
    for (j0 = 0; j0 < cols; j0 += 64) {
        int left = cols - j0;
        __mmask16 m0 = (__mmask16)(left >= 16 ? 0xFFFF : (1u << left) - 1);
        __mmask16 m1 = (__mmask16)(left >= 32 ? 0xFFFF : (left <= 16 ? 0 : (1u << (left - 16)) - 1));
        __mmask16 m2 = (__mmask16)(left >= 48 ? 0xFFFF : (left <= 32 ? 0 : (1u << (left - 32)) - 1));
        __mmask16 m3 = (__mmask16)(left >= 64 ? 0xFFFF : (left <= 48 ? 0 : (1u << (left - 48)) - 1));
        for (i0 = 0; i0 < rows; i0 += 6) {
            int used = rows - i0 < 6 ? rows - i0 : 6;
            const float *ar[6];
            __m512 acc[6][4];
            for (r = 0; r < 6; r++) ar[r] = a + (size_t)(i0 + (r < used ? r : used - 1)) * lda;
            acc[0][0] = acc[0][1] = acc[0][2] = acc[0][3] = _mm512_setzero_ps();
            acc[1][0] = acc[1][1] = acc[1][2] = acc[1][3] = acc[0][0];
            acc[2][0] = acc[2][1] = acc[2][2] = acc[2][3] = acc[0][0];
            acc[3][0] = acc[3][1] = acc[3][2] = acc[3][3] = acc[0][0];
            acc[4][0] = acc[4][1] = acc[4][2] = acc[4][3] = acc[0][0];
            acc[5][0] = acc[5][1] = acc[5][2] = acc[5][3] = acc[0][0];
            for (t = 0; t < k; t++) {
                const float *br = bm + (size_t)t * ldb + j0;
                __m512 b0 = _mm512_maskz_loadu_ps(m0, br), b1 = _mm512_maskz_loadu_ps(m1, br + 16);
                __m512 b2 = _mm512_maskz_loadu_ps(m2, br + 32), b3 = _mm512_maskz_loadu_ps(m3, br + 48);
#define ALBERT__MM512(r)                                      \
    {                                                         \
        __m512 av = _mm512_set1_ps(ar[r][t]);                 \
        acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);       \
        acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);       \
        acc[r][2] = _mm512_fmadd_ps(av, b2, acc[r][2]);       \
        acc[r][3] = _mm512_fmadd_ps(av, b3, acc[r][3]);       \
    }
                ALBERT__MM512(0) ALBERT__MM512(1) ALBERT__MM512(2) ALBERT__MM512(3) ALBERT__MM512(4) ALBERT__MM512(5)
#undef ALBERT__MM512
            }
            /* constant indices only, so that acc stays in registers */
#define ALBERT__MM512_STORE(r)                                                  \
    if (r < used) {                                                             \
        float *cr = c + (size_t)(i0 + r) * ldc + j0;                            \
        _mm512_mask_storeu_ps(cr, m0, _mm512_mul_ps(acc[r][0], va));            \
        _mm512_mask_storeu_ps(cr + 16, m1, _mm512_mul_ps(acc[r][1], va));       \
        _mm512_mask_storeu_ps(cr + 32, m2, _mm512_mul_ps(acc[r][2], va));       \
        _mm512_mask_storeu_ps(cr + 48, m3, _mm512_mul_ps(acc[r][3], va));       \
    }
            ALBERT__MM512_STORE(0) ALBERT__MM512_STORE(1) ALBERT__MM512_STORE(2)
            ALBERT__MM512_STORE(3) ALBERT__MM512_STORE(4) ALBERT__MM512_STORE(5)
#undef ALBERT__MM512_STORE
        }
    }
}

/* The same, AVX2: blocks of 6 rows x 16 columns, column tails masked. */
ALBERT__AVX2 static void albert__matmul_avx2(int rows, int cols, int k, const float *a, size_t lda, const float *bm,
                                             size_t ldb, float alpha, float *c, size_t ldc)
{
    int i0, j0, t, r;
    __m256 va = _mm256_set1_ps(alpha);
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (j0 = 0; j0 < cols; j0 += 16) {
        int left = cols - j0;
        __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lane);
        __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(left - 8), lane);
        for (i0 = 0; i0 < rows; i0 += 6) {
            int used = rows - i0 < 6 ? rows - i0 : 6;
            const float *ar[6];
            __m256 acc[6][2];
            for (r = 0; r < 6; r++) ar[r] = a + (size_t)(i0 + (r < used ? r : used - 1)) * lda;
            acc[0][0] = acc[0][1] = _mm256_setzero_ps();
            acc[1][0] = acc[1][1] = acc[2][0] = acc[2][1] = acc[0][0];
            acc[3][0] = acc[3][1] = acc[4][0] = acc[4][1] = acc[5][0] = acc[5][1] = acc[0][0];
            for (t = 0; t < k; t++) {
                const float *br = bm + (size_t)t * ldb + j0;
                __m256 b0 = _mm256_maskload_ps(br, m0), b1 = _mm256_maskload_ps(br + 8, m1);
#define ALBERT__MM256(r)                                      \
    {                                                         \
        __m256 av = _mm256_broadcast_ss(ar[r] + t);           \
        acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);       \
        acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);       \
    }
                ALBERT__MM256(0) ALBERT__MM256(1) ALBERT__MM256(2) ALBERT__MM256(3) ALBERT__MM256(4) ALBERT__MM256(5)
#undef ALBERT__MM256
            }
#define ALBERT__MM256_STORE(r)                                                  \
    if (r < used) {                                                             \
        float *cr = c + (size_t)(i0 + r) * ldc + j0;                            \
        _mm256_maskstore_ps(cr, m0, _mm256_mul_ps(acc[r][0], va));              \
        _mm256_maskstore_ps(cr + 8, m1, _mm256_mul_ps(acc[r][1], va));          \
    }
            ALBERT__MM256_STORE(0) ALBERT__MM256_STORE(1) ALBERT__MM256_STORE(2)
            ALBERT__MM256_STORE(3) ALBERT__MM256_STORE(4) ALBERT__MM256_STORE(5)
#undef ALBERT__MM256_STORE
        }
    }
}

/* Softmax of n scores in place: e = exp(s - max) (max over the row), then e / sum. */
ALBERT__AVX2 static void albert__softmax_row_avx2(float *s, int n)
{
    __m256 vmax = _mm256_set1_ps(-INFINITY), vsum = _mm256_setzero_ps(), vinv;
    float mx, sum, inv;
    int j;
    for (j = 0; j + 8 <= n; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(s + j));
    mx = albert__hmax8(vmax);
    for (; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    vmax = _mm256_set1_ps(mx);
    sum = 0.0f;
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 e = albert__exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vmax));
        _mm256_storeu_ps(s + j, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    for (; j < n; j++) {
        s[j] = expf(s[j] - mx);
        sum += s[j];
    }
    sum += albert__hsum8(vsum);
    inv = 1.0f / sum;
    vinv = _mm256_set1_ps(inv);
    for (j = 0; j + 8 <= n; j += 8) _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j), vinv));
    for (; j < n; j++) s[j] *= inv;
}
#endif

#ifdef ALBERT__X86_SIMD
/* The same on 16 lanes (AVX-512); padding keys (-inf) give exactly 0. */
ALBERT__AVX512 static void albert__softmax_row_avx512(float *s, int n)
{
    __m512 vmax = _mm512_set1_ps(-INFINITY), vsum = _mm512_setzero_ps(), vinv;
    int j;
    for (j = 0; j < n; j += 16) {
        __mmask16 m = (__mmask16)(n - j >= 16 ? 0xFFFF : (1u << (n - j)) - 1);
        vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), m, s + j));
    }
    vmax = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    for (j = 0; j < n; j += 16) {
        __mmask16 m = (__mmask16)(n - j >= 16 ? 0xFFFF : (1u << (n - j)) - 1);
        __m512 e = albert__exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + j), vmax));
        e = _mm512_maskz_mov_ps(m, e);
        _mm512_mask_storeu_ps(s + j, m, e);
        vsum = _mm512_add_ps(vsum, e);
    }
    vinv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
    for (j = 0; j < n; j += 16) {
        __mmask16 m = (__mmask16)(n - j >= 16 ? 0xFFFF : (1u << (n - j)) - 1);
        _mm512_mask_storeu_ps(s + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), vinv));
    }
}
#endif

static void albert__softmax_row_scalar(float *s, int n)
{
    float mx = -INFINITY, sum = 0.0f, inv;
    int j;
    for (j = 0; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    for (j = 0; j < n; j++) {
        s[j] = expf(s[j] - mx);
        sum += s[j];
    }
    inv = 1.0f / sum;
    for (j = 0; j < n; j++) s[j] *= inv;
}

static void albert__matmul(int isa, int rows, int cols, int k, const float *a, size_t lda, const float *bm, size_t ldb,
                           float alpha, float *c, size_t ldc)
{
#ifdef ALBERT__X86_SIMD
    if (isa == ALBERT__ISA_AVX512) {
        albert__matmul_avx512(rows, cols, k, a, lda, bm, ldb, alpha, c, ldc);
        return;
    }
    if (isa == ALBERT__ISA_AVX2) {
        albert__matmul_avx2(rows, cols, k, a, lda, bm, ldb, alpha, c, ldc);
        return;
    }
#endif
    (void)isa;
    albert__matmul_scalar(rows, cols, k, a, lda, bm, ldb, alpha, c, ldc);
}

#ifdef ALBERT__X86_SIMD
/* out[d * ldo + j] = in[j * ldi + d] for j < rows, d < cols: 16 x 16 blocks transposed in registers. */
ALBERT__AVX512 static void albert__transpose_rows_avx512(const float *in, size_t ldi, int rows, int cols, float *out,
                                                         size_t ldo)
{
    __m512 r[16];
    int j0, d0, i;
    for (j0 = 0; j0 < rows; j0 += 16)
        for (d0 = 0; d0 < cols; d0 += 16) {
            int n_rows = rows - j0 < 16 ? rows - j0 : 16, n_cols = cols - d0 < 16 ? cols - d0 : 16;
            __mmask16 col_mask = (__mmask16)(n_cols == 16 ? 0xFFFF : (1u << n_cols) - 1);
            __mmask16 row_mask = (__mmask16)(n_rows == 16 ? 0xFFFF : (1u << n_rows) - 1);
            for (i = 0; i < 16; i++)
                r[i] = i < n_rows ? _mm512_maskz_loadu_ps(col_mask, in + (size_t)(j0 + i) * ldi + d0) : _mm512_setzero_ps();
            albert__transpose16_avx512(r);
            for (i = 0; i < n_cols; i++) _mm512_mask_storeu_ps(out + (size_t)(d0 + i) * ldo + j0, row_mask, r[i]);
        }
}
#endif

typedef struct albert__attention_job {
    float *scratch;
    size_t scratch_per_thread;
    const float *q, *k, *v;
    const int32_t *mask;
    int n_seqs, seq_len, n_heads, head_dim;
    float *out;
    int isa;
    int next_pair; /* the next (sequence, head) pair to hand out (ALBERT__SHARED_COUNTER) */
} albert__attention_job;

/* Thread `index` of `count` does the (sequence, head) pairs index, index + count, ... */
static void albert__attention_task(void *arg, int index, int count)
{
    albert__attention_job *job = (albert__attention_job *)arg;
    int S = job->seq_len, hd = job->head_dim, H = job->n_heads * job->head_dim;
    size_t ld = albert__round16((size_t)S);   /* row stride of the transposed keys and of the scores */
    float *kt = job->scratch + job->scratch_per_thread * (size_t)index;   /* [hd x ld] */
    float *scores = kt + (size_t)hd * ld;                                  /* [QUERY_BLOCK x ld] */
    float scale = 1.0f / sqrtf((float)hd);
    int pair;
#if ALBERT__SHARED_COUNTER
    (void)count;
    while ((pair = ALBERT__NEXT_ITEM(&job->next_pair)) < job->n_seqs * job->n_heads) {
#else
    for (pair = index; pair < job->n_seqs * job->n_heads; pair += count) {
#endif
        int s = pair / job->n_heads, h = pair % job->n_heads, i0, i, j, d;
        const int32_t *mrow = job->mask ? job->mask + (size_t)s * S : NULL;
        const float *qh = job->q + (size_t)s * S * H + (size_t)h * hd;
        const float *kh = job->k + (size_t)s * S * H + (size_t)h * hd;
        const float *vh = job->v + (size_t)s * S * H + (size_t)h * hd;
        float *oh = job->out + (size_t)s * S * H + (size_t)h * hd;
        int any_real = 1;
        if (mrow) {
            any_real = 0;
            for (j = 0; j < S; j++) any_real |= mrow[j] != 0;
        }
#ifdef ALBERT__X86_SIMD
        if (job->isa == ALBERT__ISA_AVX512) albert__transpose_rows_avx512(kh, (size_t)H, S, hd, kt, ld);
        else
#endif
            for (j = 0; j < S; j++)
                for (d = 0; d < hd; d++) kt[(size_t)d * ld + j] = kh[(size_t)j * H + d];
        for (i0 = 0; i0 < S; i0 += ALBERT__QUERY_BLOCK) {
            int rows = S - i0 < ALBERT__QUERY_BLOCK ? S - i0 : ALBERT__QUERY_BLOCK;
            if (!any_real) {   /* every key is padding: equal weights, as HF's additive mask gives */
                for (i = 0; i < rows; i++)
                    for (j = 0; j < S; j++) scores[(size_t)i * ld + j] = 1.0f / (float)S;
            } else {
                albert__matmul(job->isa, rows, S, hd, qh + (size_t)i0 * H, (size_t)H, kt, ld, scale, scores, ld);
                for (i = 0; i < rows; i++) {
                    float *sr = scores + (size_t)i * ld;
                    if (mrow)   /* padding keys: weight exactly 0 */
                        for (j = 0; j < S; j++)
                            if (!mrow[j]) sr[j] = -INFINITY;
#ifdef ALBERT__X86_SIMD
                    if (job->isa == ALBERT__ISA_AVX512) {
                        albert__softmax_row_avx512(sr, S);
                        continue;
                    }
                    if (job->isa >= ALBERT__ISA_AVX2) {
                        albert__softmax_row_avx2(sr, S);
                        continue;
                    }
#endif
                    albert__softmax_row_scalar(sr, S);
                }
            }
            albert__matmul(job->isa, rows, hd, S, scores, ld, vh, (size_t)H, 1.0f, oh + (size_t)i0 * H, (size_t)H);
        }
    }
}

/* For each of n_seqs sequences of seq_len tokens (rows s*seq_len .. s*seq_len+seq_len-1) and each head h
   (columns h*head_dim ..): out = softmax(q k^T / sqrt(head_dim) + mask) v. q, k, v and out have row stride
   n_heads*head_dim. mask [n_seqs x seq_len]: 0 marks a padding key, which gets weight exactly 0 (as HF's
   additive float-min mask does in float32); if every key of a sequence is padding, all keys get equal
   weight (as HF). mask NULL = no padding. scratch: albert__kernel_scratch_floats() floats (for seq_len up to
   its max_seq and head_dim up to its hidden, with the pool's thread count), any alignment. */
static void albert__attention(albert__pool *pool, float *scratch, const float *q, const float *k, const float *v,
                              const int32_t *mask, int n_seqs, int seq_len, int n_heads, int head_dim, float *out)
{
    albert__attention_job job;
    int n_threads = albert__pool_threads(pool), pairs = n_seqs * n_heads;
    size_t ld = albert__round16((size_t)seq_len);
    if (n_seqs <= 0 || seq_len <= 0 || n_heads <= 0 || head_dim <= 0) return;
    job.scratch = scratch + (16 - (size_t)((uintptr_t)scratch / sizeof(float) % 16)) % 16;
    job.scratch_per_thread = albert__round16(ld * ((size_t)head_dim + ALBERT__QUERY_BLOCK));
    job.q = q;
    job.k = k;
    job.v = v;
    job.mask = mask;
    job.n_seqs = n_seqs;
    job.seq_len = seq_len;
    job.n_heads = n_heads;
    job.head_dim = head_dim;
    job.out = out;
    job.isa = albert__pool_isa(pool);
    job.next_pair = 0;
    albert__pool_run(pool, albert__attention_task, &job, pairs < n_threads ? pairs : n_threads);
}
