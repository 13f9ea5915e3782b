/* ck_os.c - the converter's few operating-system calls, for POSIX systems (Linux, macOS, the BSDs) and Windows.

   Paths are UTF-8 everywhere; on Windows they are converted to UTF-16 (MultiByteToWideChar) and the wide API is
   used, so any file name works. File sizes are 64-bit on every system. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#endif

#ifdef _WIN32
/* A malloc'd UTF-16 copy of a UTF-8 string, or NULL. */
static wchar_t *ck__widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;
    if (n <= 0) return NULL;
    w = (wchar_t *)malloc((size_t)n * sizeof(wchar_t));
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

/* A malloc'd UTF-8 copy of a UTF-16 string, or NULL. */
static char *ck__narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s;
    if (n <= 0) return NULL;
    s = (char *)malloc((size_t)n);
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

static const char *ck__win_error(DWORD code, char *buf, size_t cap)
{
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, buf,
                             (DWORD)cap, NULL);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '.')) buf[--n] = '\0';
    if (n == 0) snprintf(buf, cap, "error %lu", (unsigned long)code);
    return buf;
}
#endif

FILE *ck_fopen(const char *path, const char *mode)
{
#ifdef _WIN32
    wchar_t *wpath = ck__widen(path), *wmode = ck__widen(mode);
    FILE *f = (wpath && wmode) ? _wfopen(wpath, wmode) : NULL;
    if (!wpath || !wmode) errno = EINVAL;
    free(wpath);
    free(wmode);
    return f;
#else
    return fopen(path, mode);
#endif
}

int ck_remove(const char *path)
{
#ifdef _WIN32
    wchar_t *wpath = ck__widen(path);
    int rc = wpath ? _wremove(wpath) : -1;
    free(wpath);
    return rc;
#else
    return remove(path);
#endif
}

int ck_path_kind(const char *path, uint64_t *size)
{
#ifdef _WIN32
    WIN32_FILE_ATTRIBUTE_DATA data;
    wchar_t *wpath = ck__widen(path);
    BOOL ok = wpath ? GetFileAttributesExW(wpath, GetFileExInfoStandard, &data) : FALSE;
    free(wpath);
    if (size) *size = 0;
    if (!ok) return CK_PATH_NONE;
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) return CK_PATH_FOLDER;
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DEVICE) return CK_PATH_OTHER;
    if (size) *size = (uint64_t)data.nFileSizeHigh << 32 | data.nFileSizeLow;
    return CK_PATH_FILE;
#else
    struct stat st;
    if (size) *size = 0;
    if (stat(path, &st) != 0) return CK_PATH_NONE;
    if (S_ISDIR(st.st_mode)) return CK_PATH_FOLDER;
    if (!S_ISREG(st.st_mode)) return CK_PATH_OTHER;
    if (size) *size = (uint64_t)st.st_size;
    return CK_PATH_FILE;
#endif
}

int ck_same_file(const char *a, const char *b)
{
#ifdef _WIN32
    BY_HANDLE_FILE_INFORMATION ia, ib;
    int same = 0;
    wchar_t *wa = ck__widen(a), *wb = ck__widen(b);
    HANDLE ha = wa ? CreateFileW(wa, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                                 FILE_FLAG_BACKUP_SEMANTICS, NULL)
                   : INVALID_HANDLE_VALUE;
    HANDLE hb = wb ? CreateFileW(wb, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                                 FILE_FLAG_BACKUP_SEMANTICS, NULL)
                   : INVALID_HANDLE_VALUE;
    if (ha != INVALID_HANDLE_VALUE && hb != INVALID_HANDLE_VALUE && GetFileInformationByHandle(ha, &ia) &&
        GetFileInformationByHandle(hb, &ib))
        same = ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber && ia.nFileIndexHigh == ib.nFileIndexHigh &&
               ia.nFileIndexLow == ib.nFileIndexLow;
    if (ha != INVALID_HANDLE_VALUE) CloseHandle(ha);
    if (hb != INVALID_HANDLE_VALUE) CloseHandle(hb);
    free(wa);
    free(wb);
    return same;
#else
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
#endif
}

int ck_list_folder(const char *folder, int (*visit)(const char *name, void *arg), void *arg)
{
#ifdef _WIN32
    WIN32_FIND_DATAW found;
    HANDLE h;
    size_t n = strlen(folder);
    char *pattern = (char *)malloc(n + 3);
    wchar_t *wpattern;
    if (!pattern) return -1;
    memcpy(pattern, folder, n);
    memcpy(pattern + n, "/*", 3);
    wpattern = ck__widen(pattern);
    free(pattern);
    if (!wpattern) return -1;
    h = FindFirstFileW(wpattern, &found);
    free(wpattern);
    if (h == INVALID_HANDLE_VALUE) return -1;
    do {
        char *name = ck__narrow(found.cFileName);
        if (name) visit(name, arg);
        free(name);
    } while (FindNextFileW(h, &found));
    FindClose(h);
    return 0;
#else
    DIR *dir = opendir(folder);
    struct dirent *entry;
    if (!dir) return -1;
    while ((entry = readdir(dir)) != NULL) visit(entry->d_name, arg);
    closedir(dir);
    return 0;
#endif
}

int ck_map_file(const char *path, ck_mapping *m, char *err)
{
#ifdef _WIN32
    char why[256];
    LARGE_INTEGER size;
    HANDLE file, mapping;
    wchar_t *wpath = ck__widen(path);
    memset(m, 0, sizeof *m);
    if (!wpath) { snprintf(err, CK_ERR_LEN, "%s: cannot open: not a valid UTF-8 path", path); return -1; }
    file = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    free(wpath);
    if (file == INVALID_HANDLE_VALUE) {
        snprintf(err, CK_ERR_LEN, "%s: cannot open: %s", path, ck__win_error(GetLastError(), why, sizeof why));
        return -1;
    }
    if (GetFileType(file) != FILE_TYPE_DISK) {
        CloseHandle(file);
        snprintf(err, CK_ERR_LEN, "%s: not a regular file", path);
        return -1;
    }
    if (!GetFileSizeEx(file, &size)) {
        snprintf(err, CK_ERR_LEN, "%s: cannot stat: %s", path, ck__win_error(GetLastError(), why, sizeof why));
        CloseHandle(file);
        return -1;
    }
    if ((uint64_t)size.QuadPart > (uint64_t)SIZE_MAX) {
        CloseHandle(file);
        snprintf(err, CK_ERR_LEN, "%s: file too large to map", path);
        return -1;
    }
    m->size = (size_t)size.QuadPart;
    if (m->size == 0) { CloseHandle(file); return 0; } /* an empty file maps to nothing */
    mapping = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
    CloseHandle(file);
    if (!mapping) {
        snprintf(err, CK_ERR_LEN, "%s: cannot map: %s", path, ck__win_error(GetLastError(), why, sizeof why));
        m->size = 0;
        return -1;
    }
    m->data = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    CloseHandle(mapping); /* the view keeps the mapping alive */
    if (!m->data) {
        snprintf(err, CK_ERR_LEN, "%s: cannot map: %s", path, ck__win_error(GetLastError(), why, sizeof why));
        m->size = 0;
        return -1;
    }
    return 0;
#else
    struct stat st;
    void *p;
    int fd = open(path, O_RDONLY);
    memset(m, 0, sizeof *m);
    if (fd < 0) { snprintf(err, CK_ERR_LEN, "%s: cannot open: %s", path, strerror(errno)); return -1; }
    if (fstat(fd, &st) != 0) {
        snprintf(err, CK_ERR_LEN, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) { close(fd); snprintf(err, CK_ERR_LEN, "%s: not a regular file", path); return -1; }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
        close(fd);
        snprintf(err, CK_ERR_LEN, "%s: file too large to map", path);
        return -1;
    }
    if (st.st_size == 0) { close(fd); return 0; } /* an empty file maps to nothing */
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) { snprintf(err, CK_ERR_LEN, "%s: cannot map: %s", path, strerror(errno)); return -1; }
    m->data = p;
    m->size = (size_t)st.st_size;
    return 0;
#endif
}

void ck_unmap_file(ck_mapping *m)
{
    if (!m || !m->data) return;
#ifdef _WIN32
    UnmapViewOfFile(m->data);
#else
    munmap(m->data, m->size);
#endif
    m->data = NULL;
    m->size = 0;
}

FILE *ck_create_temp(char *path_template, char *err)
{
    size_t n = strlen(path_template), i;
    FILE *f;
    if (n < 6 || strcmp(path_template + n - 6, "XXXXXX") != 0) {
        snprintf(err, CK_ERR_LEN, "%s: bad temporary file template", path_template);
        return NULL;
    }
#ifdef _WIN32
    {
        static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        LARGE_INTEGER now;
        uint64_t seed;
        int attempt;
        QueryPerformanceCounter(&now);
        seed = (uint64_t)now.QuadPart ^ ((uint64_t)GetCurrentProcessId() << 32) ^ (uint64_t)(uintptr_t)path_template;
        for (attempt = 0; attempt < 100; attempt++) {
            wchar_t *wpath;
            int fd;
            for (i = n - 6; i < n; i++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                path_template[i] = digits[(seed >> 33) % 36];
            }
            wpath = ck__widen(path_template);
            if (!wpath) { snprintf(err, CK_ERR_LEN, "%s: not a valid UTF-8 path", path_template); return NULL; }
            fd = _wopen(wpath, _O_CREAT | _O_EXCL | _O_WRONLY | _O_BINARY, _S_IREAD | _S_IWRITE);
            free(wpath);
            if (fd >= 0) {
                f = _fdopen(fd, "wb");
                if (!f) {
                    snprintf(err, CK_ERR_LEN, "%s: %s", path_template, strerror(errno));
                    _close(fd);
                    ck_remove(path_template);
                }
                return f;
            }
            if (errno != EEXIST) break;
        }
        snprintf(err, CK_ERR_LEN, "cannot create a temporary file %s: %s", path_template, strerror(errno));
        return NULL;
    }
#else
    {
        mode_t mask;
        int fd = mkstemp(path_template);
        (void)i;
        if (fd < 0) {
            snprintf(err, CK_ERR_LEN, "cannot create a temporary file %s: %s", path_template, strerror(errno));
            return NULL;
        }
        /* mkstemp makes the file 0600; give the result the usual permissions (0666 minus the umask). */
        mask = umask(0);
        umask(mask);
        (void)fchmod(fd, (mode_t)(0666 & ~mask));
        f = fdopen(fd, "wb");
        if (!f) {
            snprintf(err, CK_ERR_LEN, "%s: %s", path_template, strerror(errno));
            close(fd);
            remove(path_template);
        }
        return f;
    }
#endif
}

int ck_sync_file(FILE *f)
{
    if (fflush(f) != 0) return -1;
#ifdef _WIN32
    return FlushFileBuffers((HANDLE)_get_osfhandle(_fileno(f))) ? 0 : -1;
#else
    return fsync(fileno(f));
#endif
}

int ck_replace_file(const char *from, const char *to, char *err)
{
#ifdef _WIN32
    char why[256];
    wchar_t *wfrom = ck__widen(from), *wto = ck__widen(to);
    BOOL ok = wfrom && wto && MoveFileExW(wfrom, wto, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    DWORD code = ok ? 0 : GetLastError();
    free(wfrom);
    free(wto);
    if (!ok) {
        snprintf(err, CK_ERR_LEN, "cannot rename %s to %s: %s", from, to, ck__win_error(code, why, sizeof why));
        return -1;
    }
    return 0;
#else
    if (rename(from, to) != 0) {
        snprintf(err, CK_ERR_LEN, "cannot rename %s to %s: %s", from, to, strerror(errno));
        return -1;
    }
    {   /* fsync the folder holding `to`, so the rename itself is durable (best effort) */
        const char *slash = strrchr(to, '/');
        size_t n = slash ? (size_t)(slash - to) : 1;
        char *folder = (char *)malloc(n + 2);
        int fd;
        if (!folder) return 0;
        if (!slash) memcpy(folder, ".", 2);
        else if (n == 0) memcpy(folder, "/", 2);
        else { memcpy(folder, to, n); folder[n] = '\0'; }
        fd = open(folder, O_RDONLY);
        if (fd >= 0) { (void)fsync(fd); close(fd); }
        free(folder);
    }
    return 0;
#endif
}
