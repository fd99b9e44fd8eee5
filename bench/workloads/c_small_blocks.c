/* memattr benchmark workload: C, many small blocks.
 * Each round builds and frees a linked list of small nodes, fills and empties a hash table
 * with chained nodes (each holding a malloc'd key string), and grows arrays with realloc
 * (one element at a time, and by doubling). Prints a checksum so the work is kept.
 * Usage: c_small_blocks [rounds]   (default 80)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    LIST_NODES = 20000, /* list nodes per round */
    HASH_BUCKETS = 4096,
    HASH_ENTRIES = 12000, /* hash entries per round (two blocks each) */
    ARRAYS = 64,          /* realloc-grown arrays per round */
    ARRAY_LEN = 300       /* elements appended to each */
};

struct node {
    struct node *next;
    uint64_t value;
};

struct entry {
    struct entry *next;
    char *key;
    uint64_t count;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("c_small_blocks: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void *xrealloc(void *old, size_t n)
{
    void *p = realloc(old, n);
    if (!p) {
        fputs("c_small_blocks: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; ++s)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint64_t list_work(int round)
{
    struct node *head = NULL;
    for (int i = 0; i < LIST_NODES; ++i) {
        struct node *n = xmalloc(sizeof *n);
        n->value = (uint64_t)(i * 31 + round);
        n->next = head;
        head = n;
    }
    uint64_t sum = 0;
    while (head) {
        struct node *next = head->next;
        sum += head->value;
        free(head);
        head = next;
    }
    return sum;
}

static uint64_t hash_work(int round)
{
    struct entry **buckets = calloc(HASH_BUCKETS, sizeof *buckets);
    if (!buckets) {
        fputs("c_small_blocks: out of memory\n", stderr);
        exit(1);
    }
    char buf[64];
    for (int i = 0; i < HASH_ENTRIES; ++i) {
        /* Keys repeat (i % 9000), so some inserts find an existing entry. */
        int len = snprintf(buf, sizeof buf, "key-%d-%d", round, i % 9000);
        uint64_t h = hash_str(buf);
        struct entry **slot = &buckets[h % HASH_BUCKETS];
        struct entry *e = *slot;
        while (e && strcmp(e->key, buf) != 0)
            e = e->next;
        if (e) {
            e->count++;
            continue;
        }
        e = xmalloc(sizeof *e);
        e->key = xmalloc((size_t)len + 1);
        memcpy(e->key, buf, (size_t)len + 1);
        e->count = 1;
        e->next = *slot;
        *slot = e;
    }
    uint64_t sum = 0;
    for (int b = 0; b < HASH_BUCKETS; ++b) {
        struct entry *e = buckets[b];
        while (e) {
            struct entry *next = e->next;
            sum = mix(sum, hash_str(e->key) + e->count);
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(buckets);
    return sum;
}

static uint64_t realloc_work(int round)
{
    uint64_t sum = 0;
    for (int a = 0; a < ARRAYS; ++a) {
        /* Grown by one element per append: a realloc on every append. */
        int *slow = NULL;
        for (int i = 0; i < ARRAY_LEN; ++i) {
            slow = xrealloc(slow, (size_t)(i + 1) * sizeof *slow);
            slow[i] = i ^ a ^ round;
        }
        /* Grown by doubling. */
        size_t cap = 4, len = 0;
        uint64_t *fast = xmalloc(cap * sizeof *fast);
        for (int i = 0; i < ARRAY_LEN * 4; ++i) {
            if (len == cap) {
                cap *= 2;
                fast = xrealloc(fast, cap * sizeof *fast);
            }
            fast[len++] = (uint64_t)(slow[i % ARRAY_LEN]) * 3u;
        }
        sum = mix(sum, (uint64_t)slow[ARRAY_LEN / 2] + fast[len / 3]);
        free(slow);
        free(fast);
    }
    return sum;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 80;
    uint64_t sum = 0;
    for (int r = 0; r < rounds; ++r) {
        sum = mix(sum, list_work(r));
        sum = mix(sum, hash_work(r));
        sum = mix(sum, realloc_work(r));
    }
    printf("c_small_blocks rounds=%d checksum=%016llx\n", rounds, (unsigned long long)sum);
    return 0;
}
