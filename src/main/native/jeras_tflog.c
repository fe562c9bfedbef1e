/*
 * Keeps TensorFlow's C++ start-up lines off a jeras user's console (dev.jeras.internal.
 * TensorFlowLogging calls these two functions through JNI; no TensorFlow header or library is
 * needed to build this file).
 *
 * TensorFlow logs through two mechanisms. Its own LOG() reads TF_CPP_MIN_LOG_LEVEL from the
 * environment once, at its first line (the oneDNN notice, while the library loads): jeras sets the
 * variable before TensorFlow loads where the user has not (setEnvDefault). Code that logs through
 * Abseil directly (the MLIR pass notice, preceded by Abseil's "All log messages before
 * absl::InitializeLog() ..." warning) ignores that variable; Abseil's minimum level is a variable
 * private to each TensorFlow library (libtensorflow_cc and libtensorflow_framework each link their
 * own copy, neither exports a setter). setAbslMinLogLevel finds that variable by name in each
 * loaded TensorFlow library's symbol table and stores the level there, as absl::SetMinLogLevel
 * would. It writes only a 4-byte object of that exact name that lies in the library's writable
 * segment; in a build without it, it writes nothing and returns 0.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* JNI's int; the two functions take no Java objects, so jni.h is not needed. */
typedef int32_t jint;

#define ENV_NAME "TF_CPP_MIN_LOG_LEVEL"
/* absl::<inline namespace>::(anonymous namespace)::min_log_level, as the compiler names it. */
#define ABSL_PREFIX "_ZN4absl"
#define ABSL_MIN_LOG_LEVEL "_GLOBAL__N_113min_log_levelE"

/* Sets TF_CPP_MIN_LOG_LEVEL to level where it is unset: 1 set, 0 already set, -1 failed. */
jint Java_dev_jeras_internal_TensorFlowLogging_setEnvDefault(void* env, void* cls, jint level) {
  (void)env;
  (void)cls;
  if (getenv(ENV_NAME) != NULL) {
    return 0;
  }
  char value[12];
  snprintf(value, sizeof value, "%d", (int)level);
  return setenv(ENV_NAME, value, 0) == 0 ? 1 : -1;
}

struct patch_request {
  int level;
  int patched;
};

/* Whether [addr, addr + size) lies inside one of the object's writable loaded segments. */
static int in_writable_segment(const struct dl_phdr_info* info, uintptr_t addr, size_t size) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)* p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD || !(p->p_flags & PF_W)) {
      continue;
    }
    uintptr_t lo = info->dlpi_addr + p->p_vaddr;
    if (addr >= lo && addr + size <= lo + p->p_memsz) {
      return 1;
    }
  }
  return 0;
}

/* Stores the level into every Abseil min_log_level of one loaded TensorFlow library. */
static int patch_library(struct dl_phdr_info* info, size_t info_size, void* data) {
  (void)info_size;
  struct patch_request* request = data;
  const char* path = info->dlpi_name;
  if (path == NULL || strstr(path, "libtensorflow") == NULL) {
    return 0;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return 0;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(ElfW(Ehdr))) {
    close(fd);
    return 0;
  }
  size_t file_size = (size_t)st.st_size;
  const unsigned char* file = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (file == MAP_FAILED) {
    return 0;
  }
  const ElfW(Ehdr)* header = (const void*)file;
  if (memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64
      || header->e_shoff == 0
      || header->e_shoff + (size_t)header->e_shnum * sizeof(ElfW(Shdr)) > file_size) {
    munmap((void*)file, file_size);
    return 0;
  }
  const ElfW(Shdr)* sections = (const void*)(file + header->e_shoff);
  for (int i = 0; i < header->e_shnum; i++) {
    const ElfW(Shdr)* symtab = &sections[i];
    if (symtab->sh_type != SHT_SYMTAB || symtab->sh_link >= header->e_shnum) {
      continue;
    }
    const ElfW(Shdr)* strtab = &sections[symtab->sh_link];
    if (symtab->sh_offset + symtab->sh_size > file_size
        || strtab->sh_offset + strtab->sh_size > file_size) {
      continue;
    }
    const ElfW(Sym)* symbols = (const void*)(file + symtab->sh_offset);
    const char* names = (const char*)(file + strtab->sh_offset);
    size_t count = symtab->sh_size / sizeof(ElfW(Sym));
    for (size_t k = 0; k < count; k++) {
      const ElfW(Sym)* s = &symbols[k];
      if (ELF64_ST_TYPE(s->st_info) != STT_OBJECT || s->st_size != sizeof(int)
          || s->st_name >= strtab->sh_size) {
        continue;
      }
      const char* name = names + s->st_name;
      /* the name must end inside the string table */
      if (memchr(name, 0, strtab->sh_size - s->st_name) == NULL
          || strncmp(name, ABSL_PREFIX, strlen(ABSL_PREFIX)) != 0
          || strstr(name, ABSL_MIN_LOG_LEVEL) == NULL) {
        continue;
      }
      uintptr_t addr = info->dlpi_addr + s->st_value;
      if (!in_writable_segment(info, addr, sizeof(int))) {
        continue;
      }
      __atomic_store_n((int*)addr, request->level, __ATOMIC_RELEASE);
      request->patched++;
    }
  }
  munmap((void*)file, file_size);
  return 0;
}

/* Sets Abseil's minimum log level in each loaded TensorFlow library; returns how many it set. */
jint Java_dev_jeras_internal_TensorFlowLogging_setAbslMinLogLevel(void* env, void* cls,
                                                                   jint level) {
  (void)env;
  (void)cls;
  struct patch_request request = {level, 0};
  dl_iterate_phdr(patch_library, &request);
  return request.patched;
}
