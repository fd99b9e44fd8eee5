// An ordinary program whose lost block Memcheck finds and a snapshot
// taking every stack word for a root would not: the string's pointers
// are left in fprintf's dead frames, which glibc's exit path (and the
// static destructor it runs) reuse without writing every slot.
// Expected, as Memcheck says: definitely lost 32 bytes in 1 block (the
// std::string), indirectly lost 201 bytes in 1 block (its characters).
#include <cstdio>
#include <string>
#include <vector>

struct Registry {
    std::vector<int> entries;
    ~Registry() { std::printf("done\n"); }
} g_registry;

int main()
{
    std::string* name = new std::string(200, 'x');           // @STRING
    std::fprintf(stderr, "%s\n", name->c_str());
    name = nullptr;
    return name != nullptr;
}
