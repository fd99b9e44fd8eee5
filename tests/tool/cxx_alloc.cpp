// C++ allocation forms with exact sizes: new/delete (sized), new[]/delete[],
// aligned new, nothrow new, a vector's reserve and a long string; expected
// values in test_tool.py (case cxx_alloc).
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <unistd.h>
#include <vector>

struct alignas(64) Aligned {
    char data[128];
};

static void check(bool ok)
{
    if (!ok) std::abort();
}

int main()
{
    int* one = new int(5);                           // @NEW
    int* arr = new int[100];                         // @NEWARR
    Aligned* al = new Aligned;                       // @ALIGNEDNEW
    int* nt = new (std::nothrow) int[10];            // @NOTHROW
    std::vector<long> v;
    v.reserve(1000);                                 // @RESERVE
    std::string s(100, 'x');                         // @STRING
    check(reinterpret_cast<std::uintptr_t>(al) % 64 == 0);
    check(*one == 5 && s.size() == 100 && nt != nullptr);
    // live here, from main: 4 + 400 + 128 + 40 + 8000 + 101 = 8673 bytes, 6 blocks
    delete one;
    delete[] arr;
    delete al;
    delete[] nt;
    std::vector<long>().swap(v);
    s.clear();
    s.shrink_to_fit();
    check(write(1, "done\n", 5) == 5);
    return 0;
}
