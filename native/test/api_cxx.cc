// api_cxx.cc — C++ operator new and delete (plain, array, sized, aligned,
// nothrow) land in the allocator, and a failed new throws std::bad_alloc.
#include <dlfcn.h>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct alignas(64) Wide {
    char bytes[200];
};

int main() {
    auto count = reinterpret_cast<const char *(*)()>(dlsym(RTLD_DEFAULT, "ss_layout_name"));
    if (!count) return 2;
    int failures = 0;
    std::vector<std::string> words;
    std::map<int, std::unique_ptr<int[]>> arrays;
    for (int i = 0; i < 20000; i++) {
        words.push_back(std::string(static_cast<size_t>(i % 300), 'x'));
        arrays[i % 500] = std::unique_ptr<int[]>(new int[static_cast<size_t>(i % 700 + 1)]);
    }
    for (int i = 0; i < 1000; i++) {
        Wide *wide = new Wide;
        if (reinterpret_cast<uintptr_t>(wide) % 64) std::fprintf(stderr, "api_cxx: new Wide %p not 64-aligned\n", static_cast<void *>(wide));
        failures += reinterpret_cast<uintptr_t>(wide) % 64 != 0;
        delete wide;
        Wide *many = new Wide[3];
        failures += reinterpret_cast<uintptr_t>(many) % 64 != 0;
        delete[] many;
        int *quiet = new (std::nothrow) int(7);
        failures += quiet == nullptr;
        delete quiet;
    }
    bool threw = false;
    try {
        volatile size_t huge = SIZE_MAX / 4;
        char *never = new char[huge];
        std::printf("new of %zu bytes returned %p\n", static_cast<size_t>(huge), static_cast<void *>(never));
        delete[] never; // the print keeps the compiler from eliding the new/delete pair
    } catch (const std::bad_alloc &) {
        threw = true;
    }
    if (!threw) std::fprintf(stderr, "api_cxx: a failed new did not throw std::bad_alloc\n");
    failures += !threw;
    volatile size_t half = SIZE_MAX / 2;
    failures += new (std::nothrow) char[half] != nullptr;
    std::printf("api_cxx (%s layout): %s\n", count(), failures ? "FAILED" : "all promises kept");
    return failures ? 1 : 0;
}
