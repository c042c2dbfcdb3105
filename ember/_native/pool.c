/* Worker threads that spin briefly before sleeping.
 *
 * Why not Python threads: between two kernel calls a Python worker sleeps at once, and on a virtual machine the
 * idle vCPU is then descheduled; the next call's second half waits milliseconds for it (measured: a split batch
 * as slow as one thread after a pause). Waiting here first spins for SPIN_NS, as OpenMP runtimes do, so calls in
 * a training loop find the workers awake; after that it sleeps on a condition variable and costs nothing.
 * Chunks are claimed, not assigned: a worker that is late (its core busy with another library's thread) finds
 * them taken by the caller, and the call never waits for it. A claim is a compare-and-swap on one word holding
 * the job's number and the next chunk, so a worker still looking at a finished job cannot take a chunk of the
 * next. One caller at a time uses the pool; a concurrent caller runs its chunks itself. After fork() the child
 * starts with no workers and makes new ones on first use.
 */
#define _GNU_SOURCE
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define RELAX() __builtin_ia32_pause()
#else
#define RELAX() ((void)0)
#endif

#define MAX_WORKERS 63
#define SPIN_NS 2000000L

static struct {
    pthread_mutex_t lock, busy;
    pthread_cond_t wake;
    _Atomic unsigned long claim; /* job number << 32 | next chunk */
    atomic_long done;
    ember_task fn;
    void *arg;
    long chunks, workers;
    int started;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* the CPUs this process may run on, or fewer when OMP_NUM_THREADS says so (as PyTorch reads it); read once */
long ember_pool_size(void)
{
    static long size;
    if (size == 0) {
        cpu_set_t set;
        long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
        const char *limit = getenv("OMP_NUM_THREADS");
        if (limit != NULL && atol(limit) > 0 && atol(limit) < n)
            n = atol(limit);
        size = n < 1 ? 1 : n > MAX_WORKERS + 1 ? MAX_WORKERS + 1 : n;
    }
    return size;
}

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* take and run chunks of job `job` until none is left */
static void work(unsigned long job)
{
    unsigned long word = atomic_load(&pool.claim);
    while (word >> 32 == job && (long)(word & 0xffffffffUL) < pool.chunks) {
        if (atomic_compare_exchange_weak(&pool.claim, &word, word + 1)) {
            pool.fn(pool.arg, (long)(word & 0xffffffffUL));
            atomic_fetch_add(&pool.done, 1);
            word = atomic_load(&pool.claim);
        }
    }
}

static void *worker(void *unused)
{
    (void)unused;
    unsigned long seen = atomic_load(&pool.claim) >> 32;
    for (;;) {
        long deadline = now_ns() + SPIN_NS;
        for (int i = 0; atomic_load(&pool.claim) >> 32 == seen; i++) {
            sched_yield(); /* a runnable thread (another library's worker) gets this core at once */
            if ((i & 63) == 63 && now_ns() > deadline) {
                pthread_mutex_lock(&pool.lock);
                while (atomic_load(&pool.claim) >> 32 == seen)
                    pthread_cond_wait(&pool.wake, &pool.lock);
                pthread_mutex_unlock(&pool.lock);
            }
        }
        seen = atomic_load(&pool.claim) >> 32;
        work(seen);
    }
    return NULL;
}

static void forget_workers(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
    pool.lock = pool.busy = fresh;
    pool.wake = wake;
    pool.started = 0;
    pool.workers = 0;
}

static void start(void)
{
    pthread_atfork(NULL, NULL, forget_workers);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (long i = 1; i < ember_pool_size(); i++) {
        pthread_t t;
        if (pthread_create(&t, &attr, worker, NULL) != 0)
            break;
        pool.workers++;
    }
    pthread_attr_destroy(&attr);
    pool.started = 1;
}

void ember_pool_run(ember_task fn, void *arg, long chunks, int parallel)
{
    if (parallel && chunks > 1 && pthread_mutex_trylock(&pool.busy) == 0) {
        if (!pool.started)
            start();
        if (pool.workers > 0) {
            unsigned long job = (atomic_load(&pool.claim) >> 32) + 1;
            pool.fn = fn;
            pool.arg = arg;
            pool.chunks = chunks;
            atomic_store(&pool.done, 0);
            pthread_mutex_lock(&pool.lock);
            atomic_store(&pool.claim, job << 32);
            pthread_cond_broadcast(&pool.wake);
            pthread_mutex_unlock(&pool.lock);
            work(job);
            while (atomic_load(&pool.done) < chunks)
                RELAX();
            pthread_mutex_unlock(&pool.busy);
            return;
        }
        pthread_mutex_unlock(&pool.busy);
    }
    for (long chunk = 0; chunk < chunks; chunk++)
        fn(arg, chunk);
}
