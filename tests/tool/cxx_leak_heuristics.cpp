/* Blocks reached only by interior pointers of the four layouts Memcheck's
   leak heuristics know (--leak-check-heuristics, all four on by default in
   Valgrind 3.19), which it then counts as still reachable rather than
   possibly lost:
   - newarray: new Counted[10] of a class with a destructor, 88 bytes: new[]
     puts the element count first and returns the address 8 bytes in;
   - stdstring: a pre-C++11 (copy-on-write) std::string representation of
     65 bytes: length, capacity, reference count, then capacity + 1
     characters, the string pointing 24 bytes in;
   - length64: sqlite's layout, a 64-bit length then that many bytes (108
     in all), the pointer 8 bytes in;
   - multipleinheritance: a Both (40 bytes) held as its second base, Right,
     16 bytes in, where Right's vtable pointer lies.
   A fifth block, 64 bytes held 8 bytes in, matches none of them: possibly
   lost.  Each pointer is made in a function of its own, so that no start
   pointer stays in main's frame.
   Expected, as Memcheck says: still reachable 301 bytes in 4 blocks,
   possibly lost 64 bytes in 1 block (and with --leak-check-heuristics=none:
   possibly lost 365 bytes in 5 blocks). */
#include <cstdlib>
#include <cstring>
#include <unistd.h>

struct Counted {
    ~Counted() { value = 0; }
    long value = 1;
};

struct Left {
    virtual ~Left() {}
    virtual long left() { return l; }
    long l = 1;
};

struct Right {
    virtual ~Right() {}
    virtual long right() { return r; }
    long r = 2;
};

struct Both : Left, Right {
    long b = 3;
};

Counted* g_array;
char* g_string;
char* g_sized;
Right* g_right;
char* g_interior;

__attribute__((noinline)) static void make_array()
{
    g_array = new Counted[10];                                   /* @NEWARRAY */
}

__attribute__((noinline)) static void make_string()
{
    long* rep = static_cast<long*>(malloc(24 + 40 + 1));        /* @STDSTRING */
    rep[0] = 5;    // length
    rep[1] = 40;   // capacity
    rep[2] = 0;    // reference count
    memcpy(rep + 3, "hello", 6);
    g_string = reinterpret_cast<char*>(rep) + 24;
}

__attribute__((noinline)) static void make_sized()
{
    long* sized = static_cast<long*>(malloc(8 + 100));          /* @LENGTH64 */
    sized[0] = 100;
    memset(sized + 1, 'x', 100);
    g_sized = reinterpret_cast<char*>(sized) + 8;
}

__attribute__((noinline)) static void make_both()
{
    Both* both = new Both;                                       /* @MULTIPLE */
    g_right = both;
    g_right->right();
    both->left();
}

__attribute__((noinline)) static void make_interior()
{
    long* block = static_cast<long*>(malloc(64));               /* @INTERIOR */
    memset(block, 0, 64);
    block[0] = 3;
    g_interior = reinterpret_cast<char*>(block) + 8;
}

int main()
{
    make_array();
    make_string();
    make_sized();
    make_both();
    make_interior();
    if (write(1, "done\n", 5) != 5) return 1;
    return 0;
}
