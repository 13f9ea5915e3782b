/* tests/mini/win/win_compat.h - the POSIX bits the tests use, for the Windows build (make windows force-includes
   this file into every test). mkdtemp; mkdir(path, mode); system() of the tests' POSIX shell commands, run by
   cmd.exe: 'quotes' become "quotes", /dev/null becomes NUL, and "rm -rf 'DIR'" is done here (recursive delete).
   Paths stay as the tests write them (/tmp/... is \tmp on the current drive; under wine that is the Unix /tmp). */
#ifndef ALBERT_MINI_WIN_COMPAT_H
#define ALBERT_MINI_WIN_COMPAT_H
#ifdef _WIN32
#include <direct.h>
#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

static inline char *compat_mkdtemp(char *path_template)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = strlen(path_template), i;
    unsigned long long seed = (unsigned long long)GetTickCount64() ^ ((unsigned long long)GetCurrentProcessId() << 20) ^
                              (unsigned long long)(size_t)path_template;
    int attempt;
    if (n < 6 || strcmp(path_template + n - 6, "XXXXXX") != 0) { errno = EINVAL; return NULL; }
    for (attempt = 0; attempt < 100; attempt++) {
        LARGE_INTEGER now;
        QueryPerformanceCounter(&now);
        seed ^= (unsigned long long)now.QuadPart;
        for (i = n - 6; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            path_template[i] = digits[(seed >> 33) % 36];
        }
        if (_mkdir(path_template) == 0) return path_template;
        if (errno != EEXIST) return NULL;
    }
    return NULL;
}
#define mkdtemp(t) compat_mkdtemp(t)

/* posix_memalign: the block is over-allocated and its start remembered, so that free() (a macro here) can find
   it; other pointers go to the C library's free. */
#define COMPAT_MAX_ALIGNED 4096
static inline SRWLOCK *compat_aligned_lock(void)
{
    static SRWLOCK lock = SRWLOCK_INIT;
    return &lock;
}
static inline void **compat_aligned_table(void) /* pairs: aligned pointer, block */
{
    static void *table[2 * COMPAT_MAX_ALIGNED];
    return table;
}
static inline int compat_posix_memalign(void **out, size_t alignment, size_t size)
{
    void **table = compat_aligned_table();
    unsigned char *block;
    size_t i;
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    block = (unsigned char *)malloc(size + alignment);
    if (!block) return ENOMEM;
    *out = block + (alignment - (size_t)((uintptr_t)block % alignment)) % alignment;
    AcquireSRWLockExclusive(compat_aligned_lock());
    for (i = 0; i < COMPAT_MAX_ALIGNED && table[2 * i]; i++) {}
    if (i < COMPAT_MAX_ALIGNED) { table[2 * i] = *out; table[2 * i + 1] = block; }
    ReleaseSRWLockExclusive(compat_aligned_lock());
    if (i == COMPAT_MAX_ALIGNED) { free(block); return ENOMEM; }
    return 0;
}
static inline void compat_free(void *p)
{
    void **table = compat_aligned_table();
    size_t i;
    if (!p) return;
    AcquireSRWLockExclusive(compat_aligned_lock());
    for (i = 0; i < COMPAT_MAX_ALIGNED && table[2 * i] != p; i++) {}
    if (i < COMPAT_MAX_ALIGNED) { p = table[2 * i + 1]; table[2 * i] = table[2 * i + 1] = NULL; }
    ReleaseSRWLockExclusive(compat_aligned_lock());
    free(p);
}
#define posix_memalign(out, alignment, size) compat_posix_memalign(out, alignment, size)
#define free(p) compat_free(p)
#define mkdir(path, mode) _mkdir(path)

/* Deletes a file or a folder with everything in it; 0 also if it does not exist. */
static inline int compat_remove_tree(const char *path)
{
    DWORD attributes = GetFileAttributesA(path);
    if (attributes == INVALID_FILE_ATTRIBUTES) return 0;
    if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
        WIN32_FIND_DATAA found;
        char pattern[MAX_PATH + 4], child[MAX_PATH + 4];
        HANDLE h;
        snprintf(pattern, sizeof pattern, "%s/*", path);
        h = FindFirstFileA(pattern, &found);
        if (h != INVALID_HANDLE_VALUE) {
            do {
                if (strcmp(found.cFileName, ".") == 0 || strcmp(found.cFileName, "..") == 0) continue;
                snprintf(child, sizeof child, "%s/%s", path, found.cFileName);
                compat_remove_tree(child);
            } while (FindNextFileA(h, &found));
            FindClose(h);
        }
        return RemoveDirectoryA(path) ? 0 : -1;
    }
    return DeleteFileA(path) ? 0 : -1;
}

/* Copies a file or a folder with everything in it to `to` (cp -r). */
static inline int compat_copy_tree(const char *from, const char *to)
{
    DWORD attributes = GetFileAttributesA(from);
    if (attributes == INVALID_FILE_ATTRIBUTES) return -1;
    if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
        WIN32_FIND_DATAA found;
        char pattern[MAX_PATH + 4], a[MAX_PATH + 4], b[MAX_PATH + 4];
        HANDLE h;
        int rc = 0;
        if (!CreateDirectoryA(to, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) return -1;
        snprintf(pattern, sizeof pattern, "%s/*", from);
        h = FindFirstFileA(pattern, &found);
        if (h == INVALID_HANDLE_VALUE) return 0;
        do {
            if (strcmp(found.cFileName, ".") == 0 || strcmp(found.cFileName, "..") == 0) continue;
            snprintf(a, sizeof a, "%s/%s", from, found.cFileName);
            snprintf(b, sizeof b, "%s/%s", to, found.cFileName);
            if (compat_copy_tree(a, b) != 0) rc = -1;
        } while (FindNextFileA(h, &found));
        FindClose(h);
        return rc;
    }
    if (!CopyFileA(from, to, FALSE)) return -1;
    SetFileAttributesA(to, FILE_ATTRIBUTE_NORMAL); /* writable, as after the tests' chmod -R u+w */
    return 0;
}

/* One simple command: rm -rf, cp -r and chmod are done here; anything else goes to cmd.exe with 'quotes' as
   "quotes" and /dev/null as NUL. */
static inline int compat_simple_command(const char *command, size_t n)
{
    char words[4][MAX_PATH];
    size_t i = 0, o, w = 0, k;
    char *line;
    int rc;
    while (w < 4 && i < n) { /* the first words, 'quoted' or plain */
        while (i < n && command[i] == ' ') i++;
        if (i >= n) break;
        o = 0;
        if (command[i] == '\'') {
            for (i++; i < n && command[i] != '\'' && o + 1 < MAX_PATH; i++) words[w][o++] = command[i];
            i++;
        } else {
            for (; i < n && command[i] != ' ' && o + 1 < MAX_PATH; i++) words[w][o++] = command[i];
        }
        words[w++][o] = '\0';
    }
    if (w == 3 && strcmp(words[0], "rm") == 0 && strcmp(words[1], "-rf") == 0)
        return compat_remove_tree(words[2]) == 0 ? 0 : 1;
    if (w == 4 && strcmp(words[0], "cp") == 0 && strcmp(words[1], "-r") == 0)
        return compat_copy_tree(words[2], words[3]) == 0 ? 0 : 1;
    if (w >= 1 && strcmp(words[0], "chmod") == 0) return 0; /* the copies above are writable already */
    line = (char *)malloc(2 * n + 8);
    if (!line) return -1;
    o = 0;
    line[o++] = '"'; /* cmd /c strips one pair of outer quotes: keep the command's own */
    for (k = 0; k < n; k++) {
        if (command[k] == '\'') line[o++] = '"';
        else if (n - k >= 9 && strncmp(command + k, "/dev/null", 9) == 0) { memcpy(line + o, "NUL", 3); o += 3; k += 8; }
        else line[o++] = command[k];
    }
    line[o++] = '"';
    line[o] = '\0';
    fflush(stdout);
    fflush(stderr);
    rc = system(line);
    free(line);
    return rc;
}

/* The tests' shell commands: simple commands joined by " && ". */
static inline int compat_system(const char *command)
{
    const char *at = command;
    for (;;) {
        const char *next = strstr(at, " && ");
        size_t n = next ? (size_t)(next - at) : strlen(at);
        int rc = compat_simple_command(at, n);
        if (rc != 0 || !next) return rc;
        at = next + 4;
    }
}
#define system(c) compat_system(c)
#endif
#endif
