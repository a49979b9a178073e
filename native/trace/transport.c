/* transport.c — where the stream goes (a viewer's Unix socket, else a file)
 * and the handshake that opens it. The socket must sit in a directory only
 * this user can write, and the peer must be this user (SO_PEERCRED). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "trace.h"

static void say(const char *text) {
    ssize_t ignored = write(2, text, strlen(text));
    (void)ignored;
}

/* 0 if the directory holding `path` is safe for a socket, else says why. */
static int socket_dir_safe(const char *path) {
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    size_t length = strlen(path);
    if (length >= sizeof dir) return -1;
    memcpy(dir, path, length + 1);
    char *slash = strrchr(dir, '/');
    if (!slash) strcpy(dir, ".");
    else if (slash == dir) dir[1] = 0;
    else *slash = 0;
    struct stat st;
    if (stat(dir, &st) != 0) return -1;
    if (st.st_uid != getuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) return -1;
    return 0;
}

static int open_socket(const char *path) {
    if (socket_dir_safe(path) != 0) {
        say("slabscope: trace socket refused: its directory must belong to this user and not be writable by others\n");
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        say("slabscope: no viewer listens on SLABSCOPE_SOCKET; tracing is off\n");
        close(fd);
        return -1;
    }
    struct ucred peer;
    socklen_t peer_length = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_length) != 0 || peer.uid != getuid()) {
        say("slabscope: trace socket refused: the viewer runs as another user\n");
        close(fd);
        return -1;
    }
    /* a send to a viewer that stopped reading returns now and then, so the exporter can give it up */
    struct timeval wake = {0, 100000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wake, sizeof wake);
    return fd;
}

int _ssp_open_output(void) {
    const char *socket_path = getenv("SLABSCOPE_SOCKET");
    if (socket_path && *socket_path) {
        int fd = open_socket(socket_path);
        if (fd >= 0) return fd;
    }
    const char *file = getenv("SLABSCOPE_TRACE_FILE");
    if (file && *file) {
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) say("slabscope: cannot open SLABSCOPE_TRACE_FILE; tracing is off\n");
        return fd;
    }
    return -1;
}

/* ---- handshake ---- */
struct buffer {
    char *bytes;
    size_t length, capacity;
    bool overflow;
};
static void append(struct buffer *buffer, const void *bytes, size_t length) {
    if (buffer->length + length > buffer->capacity) {
        buffer->overflow = true;
        return;
    }
    memcpy(buffer->bytes + buffer->length, bytes, length);
    buffer->length += length;
}
static void append_u32(struct buffer *buffer, uint32_t value) { append(buffer, &value, 4); }
static void append_text(struct buffer *buffer, const char *text) { append(buffer, text, strlen(text)); }

/* JSON string contents: paths may hold quotes or backslashes. */
static void append_json_escaped(struct buffer *buffer, const char *text) {
    for (; *text; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '"' || c == '\\') {
            append(buffer, "\\", 1);
            append(buffer, text, 1);
        } else if (c < 0x20) {
            char escaped[8];
            snprintf(escaped, sizeof escaped, "\\u%04x", c);
            append_text(buffer, escaped);
        } else {
            append(buffer, text, 1);
        }
    }
}

static void build_id_hex(const struct dl_phdr_info *info, char *out, size_t out_size) {
    out[0] = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];
        if (phdr->p_type != PT_NOTE) continue;
        const char *note = (const char *)(info->dlpi_addr + phdr->p_vaddr), *end = note + phdr->p_memsz;
        while (note + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *header = (const ElfW(Nhdr) *)note;
            const unsigned char *name = (const unsigned char *)(header + 1);
            const unsigned char *desc = name + ((header->n_namesz + 3) & ~3u);
            if (header->n_type == NT_GNU_BUILD_ID && header->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                size_t at = 0;
                for (uint32_t b = 0; b < header->n_descsz && at + 3 < out_size; b++)
                    at += (size_t)snprintf(out + at, out_size - at, "%02x", desc[b]);
                return;
            }
            note = (const char *)desc + ((header->n_descsz + 3) & ~3u);
        }
    }
}

struct modules {
    struct buffer *json;
    bool first;
    char exe_build_id[80];
};
static int add_module(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct modules *modules = data;
    char build_id[80], exe[4096];
    build_id_hex(info, build_id, sizeof build_id);
    const char *path = info->dlpi_name;
    if (!path || !*path) { /* the executable itself */
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        path = exe;
        memcpy(modules->exe_build_id, build_id, sizeof build_id);
    }
    if (!*path) return 0; /* the vDSO */
    char base[32];
    snprintf(base, sizeof base, "%lu", (unsigned long)info->dlpi_addr);
    append_text(modules->json, modules->first ? "{\"path\":\"" : ",{\"path\":\"");
    modules->first = false;
    append_json_escaped(modules->json, path);
    append_text(modules->json, "\",\"base\":");
    append_text(modules->json, base);
    append_text(modules->json, ",\"buildId\":\"");
    append_text(modules->json, build_id);
    append_text(modules->json, "\"}");
    return 0;
}

static void append_string(struct buffer *buffer, const char *bytes, size_t length) {
    append_u32(buffer, (uint32_t)length);
    append(buffer, bytes, length);
}

bool _ssp_write_handshake(int fd) {
    const size_t scratch_size = 4u << 20;
    char *scratch = mmap(NULL, scratch_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED) return false;
    struct buffer modules_json = {scratch + scratch_size / 2, 0, scratch_size / 2, false};
    struct modules modules = {&modules_json, true, ""};
    append_text(&modules_json, "[");
    dl_iterate_phdr(add_module, &modules);
    append_text(&modules_json, "]");

    struct buffer out = {scratch, 0, scratch_size / 2, false};
    char header[64] = {0};
    memcpy(header, "SLABSCP", 8);
    uint16_t version = SSP_WIRE_VERSION, header_size = 64, kinds = SSP_KIND_COUNT - 1;
    uint16_t flags = (uint16_t)((_ssp.options.lossless ? 1 : 0) | 2 | (_ssp_detail ? 4 : 0));
    uint32_t pid = (uint32_t)_ssp.pid, page = (uint32_t)sysconf(_SC_PAGESIZE);
    uint64_t start = _ssp_clock.ns_start;
    memcpy(header + 8, &version, 2);
    memcpy(header + 10, &header_size, 2);
    memcpy(header + 16, &pid, 4);
    memcpy(header + 20, &page, 4);
    memcpy(header + 24, &start, 8);
    memcpy(header + 32, &kinds, 2);
    memcpy(header + 34, &flags, 2);
    memcpy(header + 36, &_ssp.options.ring_events, 4);
    memcpy(header + 40, &_ssp.options.stack_depth, 4);
    append(&out, header, sizeof header);
    for (unsigned kind = 1; kind < SSP_KIND_COUNT; kind++) {
        uint16_t entry[2] = {sizeof(struct ssp_event), 1};
        append(&out, entry, sizeof entry);
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    append_string(&out, exe, strlen(exe));
    append_string(&out, modules.exe_build_id, strlen(modules.exe_build_id));
    const char *layout_name = _ssp.config && _ssp.config->layout_name ? _ssp.config->layout_name : "";
    const char *layout_json = _ssp.config && _ssp.config->layout_json ? _ssp.config->layout_json : "{}";
    append_string(&out, layout_name, strlen(layout_name));
    append_string(&out, layout_json, strlen(layout_json));
    append_string(&out, modules_json.bytes, modules_json.length);
    bool ok = !out.overflow && !modules_json.overflow;
    if (ok) {
        uint32_t total = (uint32_t)out.length;
        memcpy(out.bytes + 12, &total, 4);
        ok = _ssp_write_all(fd, out.bytes, out.length);
    }
    munmap(scratch, scratch_size);
    return ok;
}
