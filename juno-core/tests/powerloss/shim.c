/* A power-loss simulator (issue #12), loaded with LD_PRELOAD into a process that writes a
 * database: writes to files whose path contains $JUNO_PL_MATCH (except the `-shm` shared
 * memory file, which SQLite rebuilds and never syncs) are held in this process's memory
 * and reach the real file only when the file is fsync'd or fdatasync'd, in the order
 * they were made. Reads, sizes and stats see the held writes, so the process behaves as
 * on a real disk with a page cache. When the process is killed, whatever was not synced
 * is gone, as it would be after a power cut: the file holds exactly what was synced.
 *
 * It models the pessimistic outcome of a power cut (every unsynced write lost, none torn
 * or reordered before a sync), which is what SQLite's durability promise is made against.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FILES 16
#define MAX_FDS 4096

typedef struct {
  off_t at;
  size_t len; /* len == 0 with trunc: a truncation to `at` */
  int trunc;
  unsigned char *data;
} op_t;

typedef struct {
  char path[4096];
  op_t *ops;
  size_t n, cap;
  off_t size; /* the size the process sees */
  int known;
} file_t;

static file_t files[MAX_FILES];
static int fd_file[MAX_FDS]; /* 0: untracked; else index + 1 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define REAL(name, ret, ...)                                         \
  static ret (*real_##name)(__VA_ARGS__);                            \
  static void load_##name(void) {                                    \
    if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name);         \
  }

REAL(open, int, const char *, int, ...)
REAL(open64, int, const char *, int, ...)
REAL(openat, int, int, const char *, int, ...)
REAL(openat64, int, int, const char *, int, ...)
REAL(close, int, int)
REAL(pwrite, ssize_t, int, const void *, size_t, off_t)
REAL(pwrite64, ssize_t, int, const void *, size_t, off_t)
REAL(pread, ssize_t, int, void *, size_t, off_t)
REAL(pread64, ssize_t, int, void *, size_t, off_t)
REAL(write, ssize_t, int, const void *, size_t)
REAL(read, ssize_t, int, void *, size_t)
REAL(fsync, int, int)
REAL(fdatasync, int, int)
REAL(ftruncate, int, int, off_t)
REAL(ftruncate64, int, int, off_t)
REAL(fstat, int, int, struct stat *)
REAL(fstat64, int, int, struct stat64 *)
REAL(stat, int, const char *, struct stat *)
REAL(stat64, int, const char *, struct stat64 *)
REAL(lstat, int, const char *, struct stat *)
REAL(lstat64, int, const char *, struct stat64 *)
REAL(lseek64, off_t, int, off_t, int)
REAL(mmap, void *, void *, size_t, int, int, int, off_t)
REAL(mmap64, void *, void *, size_t, int, int, int, off_t)

static int tracked_path(const char *path) {
  const char *match = getenv("JUNO_PL_MATCH");
  size_t n;
  if (path == NULL || match == NULL || *match == '\0' || strstr(path, match) == NULL) return 0;
  n = strlen(path);
  return !(n >= 4 && strcmp(path + n - 4, "-shm") == 0);
}

static file_t *file_of_path(const char *path, int create) {
  int i;
  for (i = 0; i < MAX_FILES; i++)
    if (files[i].path[0] && strcmp(files[i].path, path) == 0) return &files[i];
  if (!create) return NULL;
  for (i = 0; i < MAX_FILES; i++)
    if (!files[i].path[0]) {
      snprintf(files[i].path, sizeof files[i].path, "%s", path);
      return &files[i];
    }
  abort(); /* more files than the simulator holds */
}

static file_t *file_of_fd(int fd) {
  if (fd < 0 || fd >= MAX_FDS || fd_file[fd] == 0) return NULL;
  return &files[fd_file[fd] - 1];
}

/* The size the process sees: the real size, then every held op applied. */
static void refresh_size(file_t *f, int fd) {
  struct stat st;
  size_t i;
  load_fstat();
  if (f->known) return;
  f->size = real_fstat(fd, &st) == 0 ? st.st_size : 0;
  for (i = 0; i < f->n; i++) {
    if (f->ops[i].trunc)
      f->size = f->ops[i].at;
    else if (f->ops[i].at + (off_t)f->ops[i].len > f->size)
      f->size = f->ops[i].at + (off_t)f->ops[i].len;
  }
  f->known = 1;
}

static void track(int fd, const char *path) {
  char full[4096];
  file_t *f;
  if (fd < 0 || fd >= MAX_FDS || !tracked_path(path)) return;
  if (path[0] != '/' && getcwd(full, sizeof full) != NULL) {
    size_t n = strlen(full);
    snprintf(full + n, sizeof full - n, "/%s", path);
  } else {
    snprintf(full, sizeof full, "%s", path);
  }
  pthread_mutex_lock(&lock);
  f = file_of_path(full, 1);
  fd_file[fd] = (int)(f - files) + 1;
  refresh_size(f, fd);
  pthread_mutex_unlock(&lock);
}

static int open_mode(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & __O_TMPFILE) ? va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
  va_list ap;
  int mode, fd;
  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  load_open();
  fd = real_open(path, flags, mode);
  track(fd, path);
  return fd;
}

int open64(const char *path, int flags, ...) {
  va_list ap;
  int mode, fd;
  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  load_open64();
  fd = real_open64(path, flags, mode);
  track(fd, path);
  return fd;
}

int openat(int dir, const char *path, int flags, ...) {
  va_list ap;
  int mode, fd;
  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  load_openat();
  fd = real_openat(dir, path, flags, mode);
  if (dir == AT_FDCWD || path[0] == '/') track(fd, path);
  return fd;
}

int openat64(int dir, const char *path, int flags, ...) {
  va_list ap;
  int mode, fd;
  va_start(ap, flags);
  mode = open_mode(flags, ap);
  va_end(ap);
  load_openat64();
  fd = real_openat64(dir, path, flags, mode);
  if (dir == AT_FDCWD || path[0] == '/') track(fd, path);
  return fd;
}

int close(int fd) {
  load_close();
  if (fd >= 0 && fd < MAX_FDS) {
    pthread_mutex_lock(&lock);
    fd_file[fd] = 0;
    pthread_mutex_unlock(&lock);
  }
  return real_close(fd);
}

static ssize_t hold(file_t *f, int fd, const void *buf, size_t len, off_t at) {
  op_t *op;
  refresh_size(f, fd);
  if (f->n == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 64;
    f->ops = realloc(f->ops, f->cap * sizeof *f->ops);
    if (!f->ops) abort();
  }
  op = &f->ops[f->n++];
  op->at = at;
  op->len = len;
  op->trunc = 0;
  op->data = malloc(len ? len : 1);
  if (!op->data) abort();
  memcpy(op->data, buf, len);
  if (at + (off_t)len > f->size) f->size = at + (off_t)len;
  return (ssize_t)len;
}

static ssize_t held_pwrite(int fd, const void *buf, size_t len, off_t at,
                           ssize_t (*real)(int, const void *, size_t, off_t)) {
  file_t *f;
  ssize_t r;
  pthread_mutex_lock(&lock);
  f = file_of_fd(fd);
  if (f == NULL) {
    pthread_mutex_unlock(&lock);
    return real(fd, buf, len, at);
  }
  r = hold(f, fd, buf, len, at);
  pthread_mutex_unlock(&lock);
  return r;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t at) {
  load_pwrite();
  return held_pwrite(fd, buf, len, at, real_pwrite);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t at) {
  load_pwrite64();
  return held_pwrite(fd, buf, len, at, real_pwrite64);
}

/* Reads the real bytes, then lays the held writes over them, within the seen size. */
static ssize_t held_pread(int fd, void *buf, size_t len, off_t at,
                          ssize_t (*real)(int, void *, size_t, off_t)) {
  file_t *f;
  ssize_t got;
  size_t i, want;
  pthread_mutex_lock(&lock);
  f = file_of_fd(fd);
  if (f == NULL) {
    pthread_mutex_unlock(&lock);
    return real(fd, buf, len, at);
  }
  refresh_size(f, fd);
  if (at >= f->size) {
    pthread_mutex_unlock(&lock);
    return 0;
  }
  want = (size_t)(f->size - at) < len ? (size_t)(f->size - at) : len;
  got = real(fd, buf, want, at);
  if (got < 0) got = 0;
  if ((size_t)got < want) memset((char *)buf + got, 0, want - (size_t)got);
  for (i = 0; i < f->n; i++) {
    op_t *op = &f->ops[i];
    if (op->trunc) {
      if (op->at < at + (off_t)want) {
        off_t from = op->at > at ? op->at : at;
        memset((char *)buf + (from - at), 0, (size_t)(at + (off_t)want - from));
      }
    } else {
      off_t lo = op->at > at ? op->at : at;
      off_t hi = op->at + (off_t)op->len < at + (off_t)want ? op->at + (off_t)op->len
                                                             : at + (off_t)want;
      if (lo < hi) memcpy((char *)buf + (lo - at), op->data + (lo - op->at), (size_t)(hi - lo));
    }
  }
  pthread_mutex_unlock(&lock);
  return (ssize_t)want;
}

ssize_t pread(int fd, void *buf, size_t len, off_t at) {
  load_pread();
  return held_pread(fd, buf, len, at, real_pread);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t at) {
  load_pread64();
  return held_pread(fd, buf, len, at, real_pread64);
}

/* Plain write/read on a tracked file go through the file offset (SQLite does not use them;
 * they are here so nothing slips past the simulator). */
ssize_t write(int fd, const void *buf, size_t len) {
  off_t at;
  load_write();
  load_lseek64();
  if (file_of_fd(fd) == NULL) return real_write(fd, buf, len);
  at = real_lseek64(fd, 0, SEEK_CUR);
  len = (size_t)held_pwrite(fd, buf, len, at, NULL);
  real_lseek64(fd, at + (off_t)len, SEEK_SET);
  return (ssize_t)len;
}

ssize_t read(int fd, void *buf, size_t len) {
  off_t at;
  ssize_t got;
  load_read();
  load_pread64();
  load_lseek64();
  if (file_of_fd(fd) == NULL) return real_read(fd, buf, len);
  at = real_lseek64(fd, 0, SEEK_CUR);
  got = held_pread(fd, buf, len, at, real_pread64);
  if (got > 0) real_lseek64(fd, at + got, SEEK_SET);
  return got;
}

static int held_truncate(int fd, off_t size, int (*real)(int, off_t)) {
  file_t *f;
  op_t *op;
  pthread_mutex_lock(&lock);
  f = file_of_fd(fd);
  if (f == NULL) {
    pthread_mutex_unlock(&lock);
    return real(fd, size);
  }
  refresh_size(f, fd);
  hold(f, fd, "", 0, size);
  op = &f->ops[f->n - 1];
  op->trunc = 1;
  f->size = size;
  pthread_mutex_unlock(&lock);
  return 0;
}

int ftruncate(int fd, off_t size) {
  load_ftruncate();
  return held_truncate(fd, size, real_ftruncate);
}

int ftruncate64(int fd, off_t size) {
  load_ftruncate64();
  return held_truncate(fd, size, real_ftruncate64);
}

/* A sync makes the held writes real, in order, and then syncs. */
static int flush(int fd, int (*real)(int)) {
  file_t *f;
  size_t i;
  load_pwrite64();
  load_ftruncate64();
  pthread_mutex_lock(&lock);
  f = file_of_fd(fd);
  if (f != NULL) {
    for (i = 0; i < f->n; i++) {
      op_t *op = &f->ops[i];
      if (op->trunc)
        real_ftruncate64(fd, op->at);
      else
        real_pwrite64(fd, op->data, op->len, op->at);
      free(op->data);
    }
    f->n = 0;
    f->known = 0;
  }
  pthread_mutex_unlock(&lock);
  return real(fd);
}

int fsync(int fd) {
  load_fsync();
  return flush(fd, real_fsync);
}

int fdatasync(int fd) {
  load_fdatasync();
  return flush(fd, real_fdatasync);
}

int fstat(int fd, struct stat *st) {
  file_t *f;
  int r;
  load_fstat();
  r = real_fstat(fd, st);
  pthread_mutex_lock(&lock);
  f = file_of_fd(fd);
  if (r == 0 && f != NULL) {
    refresh_size(f, fd);
    st->st_size = f->size;
  }
  pthread_mutex_unlock(&lock);
  return r;
}

int fstat64(int fd, struct stat64 *st) {
  file_t *f;
  int r;
  load_fstat64();
  r = real_fstat64(fd, st);
  pthread_mutex_lock(&lock);
  f = file_of_fd(fd);
  if (r == 0 && f != NULL) {
    refresh_size(f, fd);
    st->st_size = f->size;
  }
  pthread_mutex_unlock(&lock);
  return r;
}

/* By path: a tracked file's seen size, when this process has it open. */
static void seen_size(const char *path, off_t *size) {
  char full[4096];
  file_t *f;
  if (!tracked_path(path)) return;
  if (path[0] != '/' && getcwd(full, sizeof full) != NULL) {
    size_t n = strlen(full);
    snprintf(full + n, sizeof full - n, "/%s", path);
  } else {
    snprintf(full, sizeof full, "%s", path);
  }
  pthread_mutex_lock(&lock);
  f = file_of_path(full, 0);
  if (f != NULL && f->known) *size = f->size;
  pthread_mutex_unlock(&lock);
}

int stat(const char *path, struct stat *st) {
  int r;
  load_stat();
  r = real_stat(path, st);
  if (r == 0) seen_size(path, &st->st_size);
  return r;
}

int stat64(const char *path, struct stat64 *st) {
  int r;
  load_stat64();
  r = real_stat64(path, st);
  if (r == 0) seen_size(path, &st->st_size);
  return r;
}

int lstat(const char *path, struct stat *st) {
  int r;
  load_lstat();
  r = real_lstat(path, st);
  if (r == 0) seen_size(path, &st->st_size);
  return r;
}

int lstat64(const char *path, struct stat64 *st) {
  int r;
  load_lstat64();
  r = real_lstat64(path, st);
  if (r == 0) seen_size(path, &st->st_size);
  return r;
}

/* A tracked file is never memory-mapped: a mapping would read the real file, without the
 * held writes. SQLite takes a failed mapping as "no mmap for this file" and reads it. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t at) {
  load_mmap();
  if (fd >= 0 && file_of_fd(fd) != NULL) {
    errno = ENODEV;
    return MAP_FAILED;
  }
  return real_mmap(addr, len, prot, flags, fd, at);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t at) {
  load_mmap64();
  if (fd >= 0 && file_of_fd(fd) != NULL) {
    errno = ENODEV;
    return MAP_FAILED;
  }
  return real_mmap64(addr, len, prot, flags, fd, at);
}
