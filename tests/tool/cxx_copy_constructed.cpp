// A struct holding a std::vector<std::string>, copied by its implicit copy
// constructor at two lines of the program.  The compiler writes that
// constructor (its debug line is the struct's, marked ROSTER) and the
// standard library copies each string inside it; the report must name the
// two lines that asked for a copy (marked FIRST and SECOND).
//
// Known answer: FIRST copies 3 names, SECOND 5, each 40 characters long
// (a heap buffer of 41 bytes), and each the vector's buffer of names (3 or
// 5 strings of 32 bytes, filled string by string); the originals are never
// used again and stay allocated (copies that could be moves), the copies
// are read back.
#include <cstdio>
#include <string>
#include <vector>

struct Roster {  // @ROSTER
    std::vector<std::string> names;
};

static Roster make_roster(int count, char letter)
{
    Roster roster;
    roster.names.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i)
        roster.names.push_back(std::string(40, static_cast<char>(letter + i)));
    return roster;
}

__attribute__((noinline)) static Roster copy_first(const Roster& roster)
{
    Roster copy = roster;  // @FIRST
    return copy;
}

__attribute__((noinline)) static Roster copy_second(const Roster& roster)
{
    Roster copy(roster);  // @SECOND
    return copy;
}

static size_t checksum(const Roster& roster)
{
    size_t sum = 0;
    for (const std::string& name : roster.names)
        for (char c : name) sum += static_cast<unsigned char>(c);
    return sum;
}

int main()
{
    const Roster first = make_roster(3, 'a');
    const Roster second = make_roster(5, 'k');
    const Roster first_copy = copy_first(first);
    const Roster second_copy = copy_second(second);
    if (checksum(first_copy) + checksum(second_copy) == 0) std::puts("unexpected");
    std::puts("done");
    return 0;
}
