/* The table cmake/AcepoolEmbed.cmake generates: one row per embedded file. C, because the
   generated file is C (its top-level asm holds the bytes). */
#ifndef ACEPOOL_WEB_EMBEDDED_TABLE_H
#define ACEPOOL_WEB_EMBEDDED_TABLE_H

#ifdef __cplusplus
extern "C" {
#endif

/** One embedded file: its logical name, media type and bytes [begin, end). */
struct acepool_embedded_file {
  const char* name;
  const char* content_type;
  const char* begin;
  const char* end;
};

/** Every embedded file of the binary. */
extern const struct acepool_embedded_file acepool_embedded_files[];
/** How many rows acepool_embedded_files has. */
extern const unsigned acepool_embedded_count;

#ifdef __cplusplus
}
#endif

#endif
