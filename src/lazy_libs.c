/* lazy_libs.c: the libraries only drawing and PostgreSQL need (cairo, pango, libpng,
 * libwebp, giflib for render and animate; libpq for postgresql:// stores) loaded the first
 * time a command calls them, not when the program starts. Linked, they and what they bring
 * (fontconfig, freetype, harfbuzz, X11, Kerberos, LDAP, ...: 33 of 91 libraries) cost every
 * command about 25 M instructions (8-10 ms) of loading and relocation before main(); an
 * ingest never draws. As src/gdal_lazy.c does for GDAL: each function the library calls is
 * defined here, hidden, with the header's own prototype (the compiler checks each), and
 * forwards to the real one, looked up once per library on first use. A function used
 * elsewhere in src/ and missing from these lists fails the link (--no-undefined): add it.
 * The lists were made from `gcc -aux-info` over the headers, restricted to the symbols
 * libbordermap.so imports (nm -D --undefined-only). */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Included first, with their own visibility: none of their functions is defined here. */
#include <glib-object.h>
#include <glib.h>

/* Hidden: the definitions below are the library's own, never exported in these libraries'
 * names (libwebp marks its declarations visible unless WEBP_EXTERN is set). */
#define WEBP_EXTERN extern
#pragma GCC visibility push(hidden)
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <gif_lib.h>
#include <libpq-fe.h>
#include <pango/pangocairo.h>
#include <png.h>
#include <webp/encode.h>
#include <webp/mux.h>
#pragma GCC visibility pop

#ifndef BM_CAIRO_SONAME
#define BM_CAIRO_SONAME "libcairo.so.2"
#endif
#ifndef BM_PANGOCAIRO_SONAME
#define BM_PANGOCAIRO_SONAME "libpangocairo-1.0.so.0"
#endif
#ifndef BM_PANGO_SONAME
#define BM_PANGO_SONAME "libpango-1.0.so.0"
#endif
#ifndef BM_PNG_SONAME
#define BM_PNG_SONAME "libpng16.so.16"
#endif
#ifndef BM_WEBP_SONAME
#define BM_WEBP_SONAME "libwebp.so.7"
#endif
#ifndef BM_WEBPMUX_SONAME
#define BM_WEBPMUX_SONAME "libwebpmux.so.3"
#endif
#ifndef BM_GIF_SONAME
#define BM_GIF_SONAME "libgif.so.7"
#endif
#ifndef BM_PQ_SONAME
#define BM_PQ_SONAME "libpq.so.5"
#endif

/* R(return type, name, parameters, arguments) for a function with a value, V(name,
 * parameters, arguments) for one without, N(...) for one that never returns. */
/* cairo */
#define BM_CAIRO_FUNCTIONS(R, V, N)                                                                \
    V(cairo_append_path, (cairo_t * a0, const cairo_path_t *a1), (a0, a1))                         \
    V(cairo_arc, (cairo_t * a0, double a1, double a2, double a3, double a4, double a5),            \
      (a0, a1, a2, a3, a4, a5))                                                                    \
    V(cairo_arc_negative, (cairo_t * a0, double a1, double a2, double a3, double a4, double a5),   \
      (a0, a1, a2, a3, a4, a5))                                                                    \
    V(cairo_clip, (cairo_t * a0), (a0))                                                            \
    V(cairo_clip_preserve, (cairo_t * a0), (a0))                                                   \
    V(cairo_close_path, (cairo_t * a0), (a0))                                                      \
    R(cairo_path_t *, cairo_copy_path, (cairo_t * a0), (a0))                                       \
    R(cairo_t *, cairo_create, (cairo_surface_t * a0), (a0))                                       \
    V(cairo_destroy, (cairo_t * a0), (a0))                                                         \
    V(cairo_device_to_user, (cairo_t * a0, double *a1, double *a2), (a0, a1, a2))                  \
    V(cairo_fill, (cairo_t * a0), (a0))                                                            \
    V(cairo_fill_preserve, (cairo_t * a0), (a0))                                                   \
    R(cairo_font_options_t *, cairo_font_options_create, (void), ())                               \
    V(cairo_font_options_destroy, (cairo_font_options_t * a0), (a0))                               \
    V(cairo_font_options_set_hint_metrics, (cairo_font_options_t * a0, cairo_hint_metrics_t a1),   \
      (a0, a1))                                                                                    \
    V(cairo_font_options_set_hint_style, (cairo_font_options_t * a0, cairo_hint_style_t a1),       \
      (a0, a1))                                                                                    \
    R(int, cairo_format_stride_for_width, (cairo_format_t a0, int a1), (a0, a1))                   \
    R(cairo_antialias_t, cairo_get_antialias, (cairo_t * a0), (a0))                                \
    V(cairo_get_dash, (cairo_t * a0, double *a1, double *a2), (a0, a1, a2))                        \
    R(int, cairo_get_dash_count, (cairo_t * a0), (a0))                                             \
    R(cairo_fill_rule_t, cairo_get_fill_rule, (cairo_t * a0), (a0))                                \
    R(cairo_surface_t *, cairo_get_group_target, (cairo_t * a0), (a0))                             \
    R(cairo_line_cap_t, cairo_get_line_cap, (cairo_t * a0), (a0))                                  \
    R(cairo_line_join_t, cairo_get_line_join, (cairo_t * a0), (a0))                                \
    R(double, cairo_get_line_width, (cairo_t * a0), (a0))                                          \
    V(cairo_get_matrix, (cairo_t * a0, cairo_matrix_t * a1), (a0, a1))                             \
    R(cairo_pattern_t *, cairo_get_source, (cairo_t * a0), (a0))                                   \
    R(cairo_surface_t *, cairo_get_target, (cairo_t * a0), (a0))                                   \
    R(double, cairo_get_tolerance, (cairo_t * a0), (a0))                                           \
    V(cairo_identity_matrix, (cairo_t * a0), (a0))                                                 \
    R(cairo_surface_t *, cairo_image_surface_create, (cairo_format_t a0, int a1, int a2),          \
      (a0, a1, a2))                                                                                \
    R(cairo_surface_t *, cairo_image_surface_create_for_data,                                      \
      (unsigned char *a0, cairo_format_t a1, int a2, int a3, int a4), (a0, a1, a2, a3, a4))        \
    R(unsigned char *, cairo_image_surface_get_data, (cairo_surface_t * a0), (a0))                 \
    R(cairo_format_t, cairo_image_surface_get_format, (cairo_surface_t * a0), (a0))                \
    R(int, cairo_image_surface_get_height, (cairo_surface_t * a0), (a0))                           \
    R(int, cairo_image_surface_get_stride, (cairo_surface_t * a0), (a0))                           \
    R(int, cairo_image_surface_get_width, (cairo_surface_t * a0), (a0))                            \
    V(cairo_line_to, (cairo_t * a0, double a1, double a2), (a0, a1, a2))                           \
    V(cairo_mask_surface, (cairo_t * a0, cairo_surface_t * a1, double a2, double a3),              \
      (a0, a1, a2, a3))                                                                            \
    V(cairo_move_to, (cairo_t * a0, double a1, double a2), (a0, a1, a2))                           \
    V(cairo_new_path, (cairo_t * a0), (a0))                                                        \
    V(cairo_new_sub_path, (cairo_t * a0), (a0))                                                    \
    V(cairo_paint, (cairo_t * a0), (a0))                                                           \
    V(cairo_path_destroy, (cairo_path_t * a0), (a0))                                               \
    R(cairo_pattern_t *, cairo_pattern_create_for_surface, (cairo_surface_t * a0), (a0))           \
    V(cairo_pattern_destroy, (cairo_pattern_t * a0), (a0))                                         \
    R(cairo_status_t, cairo_pattern_get_rgba,                                                      \
      (cairo_pattern_t * a0, double *a1, double *a2, double *a3, double *a4),                      \
      (a0, a1, a2, a3, a4))                                                                        \
    V(cairo_pattern_set_extend, (cairo_pattern_t * a0, cairo_extend_t a1), (a0, a1))               \
    R(cairo_surface_t *, cairo_pdf_surface_create_for_stream,                                      \
      (cairo_write_func_t a0, void *a1, double a2, double a3), (a0, a1, a2, a3))                   \
    R(cairo_surface_t *, cairo_recording_surface_create,                                           \
      (cairo_content_t a0, const cairo_rectangle_t *a1), (a0, a1))                                 \
    V(cairo_rectangle, (cairo_t * a0, double a1, double a2, double a3, double a4),                 \
      (a0, a1, a2, a3, a4))                                                                        \
    V(cairo_restore, (cairo_t * a0), (a0))                                                         \
    V(cairo_rotate, (cairo_t * a0, double a1), (a0, a1))                                           \
    V(cairo_save, (cairo_t * a0), (a0))                                                            \
    V(cairo_scale, (cairo_t * a0, double a1, double a2), (a0, a1, a2))                             \
    V(cairo_set_antialias, (cairo_t * a0, cairo_antialias_t a1), (a0, a1))                         \
    V(cairo_set_dash, (cairo_t * a0, const double *a1, int a2, double a3), (a0, a1, a2, a3))       \
    V(cairo_set_fill_rule, (cairo_t * a0, cairo_fill_rule_t a1), (a0, a1))                         \
    V(cairo_set_line_cap, (cairo_t * a0, cairo_line_cap_t a1), (a0, a1))                           \
    V(cairo_set_line_join, (cairo_t * a0, cairo_line_join_t a1), (a0, a1))                         \
    V(cairo_set_line_width, (cairo_t * a0, double a1), (a0, a1))                                   \
    V(cairo_set_matrix, (cairo_t * a0, const cairo_matrix_t *a1), (a0, a1))                        \
    V(cairo_set_operator, (cairo_t * a0, cairo_operator_t a1), (a0, a1))                           \
    V(cairo_set_source, (cairo_t * a0, cairo_pattern_t * a1), (a0, a1))                            \
    V(cairo_set_source_rgb, (cairo_t * a0, double a1, double a2, double a3), (a0, a1, a2, a3))     \
    V(cairo_set_source_rgba, (cairo_t * a0, double a1, double a2, double a3, double a4),           \
      (a0, a1, a2, a3, a4))                                                                        \
    V(cairo_set_source_surface, (cairo_t * a0, cairo_surface_t * a1, double a2, double a3),        \
      (a0, a1, a2, a3))                                                                            \
    V(cairo_set_tolerance, (cairo_t * a0, double a1), (a0, a1))                                    \
    R(cairo_status_t, cairo_status, (cairo_t * a0), (a0))                                          \
    R(const char *, cairo_status_to_string, (cairo_status_t a0), (a0))                             \
    V(cairo_stroke, (cairo_t * a0), (a0))                                                          \
    V(cairo_stroke_preserve, (cairo_t * a0), (a0))                                                 \
    V(cairo_surface_destroy, (cairo_surface_t * a0), (a0))                                         \
    V(cairo_surface_finish, (cairo_surface_t * a0), (a0))                                          \
    V(cairo_surface_flush, (cairo_surface_t * a0), (a0))                                           \
    V(cairo_surface_get_device_offset, (cairo_surface_t * a0, double *a1, double *a2),             \
      (a0, a1, a2))                                                                                \
    V(cairo_surface_get_device_scale, (cairo_surface_t * a0, double *a1, double *a2),              \
      (a0, a1, a2))                                                                                \
    R(cairo_surface_type_t, cairo_surface_get_type, (cairo_surface_t * a0), (a0))                  \
    V(cairo_surface_mark_dirty, (cairo_surface_t * a0), (a0))                                      \
    R(cairo_status_t, cairo_surface_status, (cairo_surface_t * a0), (a0))                          \
    R(cairo_surface_t *, cairo_svg_surface_create_for_stream,                                      \
      (cairo_write_func_t a0, void *a1, double a2, double a3), (a0, a1, a2, a3))                   \
    V(cairo_svg_surface_set_document_unit, (cairo_surface_t * a0, cairo_svg_unit_t a1), (a0, a1))  \
    V(cairo_translate, (cairo_t * a0, double a1, double a2), (a0, a1, a2))                         \
    V(cairo_user_to_device, (cairo_t * a0, double *a1, double *a2), (a0, a1, a2))                  \
    V(cairo_user_to_device_distance, (cairo_t * a0, double *a1, double *a2), (a0, a1, a2))

/* pangocairo */
#define BM_PANGOCAIRO_FUNCTIONS(R, V, N)                                                           \
    R(const cairo_font_options_t *, pango_cairo_context_get_font_options, (PangoContext * a0),     \
      (a0))                                                                                        \
    R(double, pango_cairo_context_get_resolution, (PangoContext * a0), (a0))                       \
    V(pango_cairo_context_set_font_options, (PangoContext * a0, const cairo_font_options_t *a1),   \
      (a0, a1))                                                                                    \
    V(pango_cairo_context_set_resolution, (PangoContext * a0, double a1), (a0, a1))                \
    R(PangoFontMap *, pango_cairo_font_map_get_default, (void), ())                                \
    V(pango_cairo_layout_path, (cairo_t * a0, PangoLayout * a1), (a0, a1))                         \
    V(pango_cairo_show_layout, (cairo_t * a0, PangoLayout * a1), (a0, a1))

/* pango */
#define BM_PANGO_FUNCTIONS(R, V, N)                                                                \
    R(PangoAttribute *, pango_attr_letter_spacing_new, (int a0), (a0))                             \
    V(pango_attr_list_insert, (PangoAttrList * a0, PangoAttribute * a1), (a0, a1))                 \
    R(PangoAttrList *, pango_attr_list_new, (void), ())                                            \
    V(pango_attr_list_unref, (PangoAttrList * a0), (a0))                                           \
    R(PangoFontMap *, pango_context_get_font_map, (PangoContext * a0), (a0))                       \
    V(pango_context_set_base_dir, (PangoContext * a0, PangoDirection a1), (a0, a1))                \
    V(pango_font_description_free, (PangoFontDescription * a0), (a0))                              \
    R(PangoFontDescription *, pango_font_description_from_string, (const char *a0), (a0))          \
    V(pango_font_description_set_absolute_size, (PangoFontDescription * a0, double a1), (a0, a1))  \
    V(pango_font_description_set_style, (PangoFontDescription * a0, PangoStyle a1), (a0, a1))      \
    V(pango_font_description_set_weight, (PangoFontDescription * a0, PangoWeight a1), (a0, a1))    \
    R(PangoContext *, pango_font_map_create_context, (PangoFontMap * a0), (a0))                    \
    R(int, pango_layout_get_baseline, (PangoLayout * a0), (a0))                                    \
    V(pango_layout_get_extents, (PangoLayout * a0, PangoRectangle * a1, PangoRectangle * a2),      \
      (a0, a1, a2))                                                                                \
    V(pango_layout_get_size, (PangoLayout * a0, int *a1, int *a2), (a0, a1, a2))                   \
    R(const char *, pango_layout_get_text, (PangoLayout * a0), (a0))                               \
    R(int, pango_layout_get_unknown_glyphs_count, (PangoLayout * a0), (a0))                        \
    R(PangoLayout *, pango_layout_new, (PangoContext * a0), (a0))                                  \
    V(pango_layout_set_attributes, (PangoLayout * a0, PangoAttrList * a1), (a0, a1))               \
    V(pango_layout_set_auto_dir, (PangoLayout * a0, gboolean a1), (a0, a1))                        \
    V(pango_layout_set_font_description, (PangoLayout * a0, const PangoFontDescription *a1),       \
      (a0, a1))                                                                                    \
    V(pango_layout_set_text, (PangoLayout * a0, const char *a1, int a2), (a0, a1, a2))

/* png */
#define BM_PNG_FUNCTIONS(R, V, N)                                                                  \
    R(png_infop, png_create_info_struct, (png_const_structrp a0), (a0))                            \
    R(png_structp, png_create_write_struct,                                                        \
      (png_const_charp a0, png_voidp a1, png_error_ptr a2, png_error_ptr a3), (a0, a1, a2, a3))    \
    V(png_destroy_write_struct, (png_structpp a0, png_infopp a1), (a0, a1))                        \
    R(png_voidp, png_get_error_ptr, (png_const_structrp a0), (a0))                                 \
    V(png_init_io, (png_structrp a0, png_FILE_p a1), (a0, a1))                                     \
    N(png_longjmp, (png_const_structrp a0, int a1), (a0, a1))                                      \
    V(png_set_IHDR,                                                                                \
      (png_const_structrp a0, png_inforp a1, png_uint_32 a2, png_uint_32 a3, int a4, int a5,       \
       int a6, int a7, int a8),                                                                    \
      (a0, a1, a2, a3, a4, a5, a6, a7, a8))                                                        \
    R(jmp_buf *, png_set_longjmp_fn,                                                               \
      (png_structrp png_ptr, png_longjmp_ptr longjmp_fn, size_t jmp_buf_size),                     \
      (png_ptr, longjmp_fn, jmp_buf_size))                                                         \
    V(png_write_chunk, (png_structrp a0, png_const_bytep a1, png_const_bytep a2, size_t a3),       \
      (a0, a1, a2, a3))                                                                            \
    V(png_write_info, (png_structrp a0, png_const_inforp a1), (a0, a1))

/* webp */
#define BM_WEBP_FUNCTIONS(R, V, N)                                                                 \
    R(int, WebPConfigInitInternal, (WebPConfig * a0, WebPPreset a1, float a2, int a3),             \
      (a0, a1, a2, a3))                                                                            \
    V(WebPFree, (void *a0), (a0))                                                                  \
    R(int, WebPPictureAlloc, (WebPPicture * a0), (a0))                                             \
    V(WebPPictureFree, (WebPPicture * a0), (a0))                                                   \
    R(int, WebPPictureInitInternal, (WebPPicture * a0, int a1), (a0, a1))                          \
    R(int, WebPValidateConfig, (const WebPConfig *a0), (a0))

/* webpmux */
#define BM_WEBPMUX_FUNCTIONS(R, V, N)                                                              \
    R(int, WebPAnimEncoderAdd,                                                                     \
      (WebPAnimEncoder * a0, struct WebPPicture * a1, int a2, const struct WebPConfig *a3),        \
      (a0, a1, a2, a3))                                                                            \
    R(int, WebPAnimEncoderAssemble, (WebPAnimEncoder * a0, WebPData * a1), (a0, a1))               \
    V(WebPAnimEncoderDelete, (WebPAnimEncoder * a0), (a0))                                         \
    R(const char *, WebPAnimEncoderGetError, (WebPAnimEncoder * a0), (a0))                         \
    R(WebPAnimEncoder *, WebPAnimEncoderNewInternal,                                               \
      (int a0, int a1, const WebPAnimEncoderOptions *a2, int a3), (a0, a1, a2, a3))                \
    R(int, WebPAnimEncoderOptionsInitInternal, (WebPAnimEncoderOptions * a0, int a1), (a0, a1))

/* gif */
#define BM_GIF_FUNCTIONS(R, V, N)                                                                  \
    R(int, EGifCloseFile, (GifFileType * a0, int *a1), (a0, a1))                                   \
    R(size_t, EGifGCBToExtension, (const GraphicsControlBlock *a0, GifByteType *a1), (a0, a1))     \
    R(GifFileType *, EGifOpen, (void *a0, OutputFunc a1, int *a2), (a0, a1, a2))                   \
    R(int, EGifPutExtension, (GifFileType * a0, const int a1, const int a2, const void *a3),       \
      (a0, a1, a2, a3))                                                                            \
    R(int, EGifPutExtensionBlock, (GifFileType * a0, const int a1, const void *a2), (a0, a1, a2))  \
    R(int, EGifPutExtensionLeader, (GifFileType * a0, const int a1), (a0, a1))                     \
    R(int, EGifPutExtensionTrailer, (GifFileType * a0), (a0))                                      \
    R(int, EGifPutImageDesc,                                                                       \
      (GifFileType * a0, const int a1, const int a2, const int a3, const int a4, const _Bool a5,   \
       const ColorMapObject *a6),                                                                  \
      (a0, a1, a2, a3, a4, a5, a6))                                                                \
    R(int, EGifPutLine, (GifFileType * a0, GifPixelType * a1, int a2), (a0, a1, a2))               \
    R(int, EGifPutScreenDesc,                                                                      \
      (GifFileType * a0, const int a1, const int a2, const int a3, const int a4,                   \
       const ColorMapObject *a5),                                                                  \
      (a0, a1, a2, a3, a4, a5))                                                                    \
    V(EGifSetGifVersion, (GifFileType * a0, const _Bool a1), (a0, a1))                             \
    R(const char *, GifErrorString, (int a0), (a0))                                                \
    V(GifFreeMapObject, (ColorMapObject * a0), (a0))                                               \
    R(ColorMapObject *, GifMakeMapObject, (int a0, const GifColorType *a1), (a0, a1))

/* pq */
#define BM_PQ_FUNCTIONS(R, V, N)                                                                   \
    V(PQclear, (PGresult * a0), (a0))                                                              \
    R(char *, PQcmdStatus, (PGresult * a0), (a0))                                                  \
    R(char *, PQcmdTuples, (PGresult * a0), (a0))                                                  \
    R(PGconn *, PQconnectdb, (const char *a0), (a0))                                               \
    V(PQconninfoFree, (PQconninfoOption * a0), (a0))                                               \
    R(PQconninfoOption *, PQconninfoParse, (const char *a0, char **a1), (a0, a1))                  \
    R(char *, PQdb, (const PGconn *a0), (a0))                                                      \
    R(char *, PQerrorMessage, (const PGconn *a0), (a0))                                            \
    R(PGresult *, PQexec, (PGconn * a0, const char *a1), (a0, a1))                                 \
    R(PGresult *, PQexecParams,                                                                    \
      (PGconn * a0, const char *a1, int a2, const Oid *a3, const char *const *a4, const int *a5,   \
       const int *a6, int a7),                                                                     \
      (a0, a1, a2, a3, a4, a5, a6, a7))                                                            \
    R(PGresult *, PQexecPrepared,                                                                  \
      (PGconn * a0, const char *a1, int a2, const char *const *a3, const int *a4, const int *a5,   \
       int a6),                                                                                    \
      (a0, a1, a2, a3, a4, a5, a6))                                                                \
    V(PQfinish, (PGconn * a0), (a0))                                                               \
    V(PQfreemem, (void *a0), (a0))                                                                 \
    R(int, PQgetisnull, (const PGresult *a0, int a1, int a2), (a0, a1, a2))                        \
    R(char *, PQgetvalue, (const PGresult *a0, int a1, int a2), (a0, a1, a2))                      \
    R(int, PQnfields, (const PGresult *a0), (a0))                                                  \
    R(int, PQntuples, (const PGresult *a0), (a0))                                                  \
    R(PGresult *, PQprepare, (PGconn * a0, const char *a1, const char *a2, int a3, const Oid *a4), \
      (a0, a1, a2, a3, a4))                                                                        \
    V(PQreset, (PGconn * a0), (a0))                                                                \
    R(char *, PQresultErrorField, (const PGresult *a0, int a1), (a0, a1))                          \
    R(char *, PQresultErrorMessage, (const PGresult *a0), (a0))                                    \
    R(ExecStatusType, PQresultStatus, (const PGresult *a0), (a0))                                  \
    R(ConnStatusType, PQstatus, (const PGconn *a0), (a0))                                          \
    R(PGTransactionStatusType, PQtransactionStatus, (const PGconn *a0), (a0))

/* No way to report a missing library through a void function: each is part of the
 * installation (a package dependency), so its absence ends the program with the loader's
 * message. */
static void lazy_missing(const char *soname, const char *what)
{
    const char *why = dlerror();
    fprintf(stderr, "bordermap: cannot load %s (%s): %s\n", soname, what, why ? why : "not found");
    exit(EXIT_FAILURE);
}

static void *lazy_open(const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        lazy_missing(soname, "dlopen");
    return h;
}

#define PTR_R(ret, name, params, args) __typeof__(name) *name;
#define PTR_V(name, params, args) __typeof__(name) *name;
#define SYM_R(ret, name, params, args)                                                             \
    if (!(*(void **)&LIB.name = dlsym(h, #name)))                                                  \
        lazy_missing(SONAME, #name);
#define SYM_V(name, params, args) SYM_R(void, name, params, args)
#define PTR_N PTR_V
#define SYM_N SYM_V
#define STUB_R(ret, name, params, args)                                                            \
    ret name params                                                                                \
    {                                                                                              \
        pthread_once(&LIB.once, LOAD);                                                             \
        return LIB.name args;                                                                      \
    }
#define STUB_V(name, params, args)                                                                 \
    void name params                                                                               \
    {                                                                                              \
        pthread_once(&LIB.once, LOAD);                                                             \
        LIB.name args;                                                                             \
    }
#define STUB_N(name, params, args)                                                                 \
    void name params                                                                               \
    {                                                                                              \
        pthread_once(&LIB.once, LOAD);                                                             \
        LIB.name args;                                                                             \
        abort(); /* declared noreturn: the real one never comes back */                            \
    }

/* One library: its real functions (written once, under the once-control, then only read),
 * its loader and its stubs. LIB, LOAD and SONAME name the library being defined. */
#define LAZY_LIBRARY(FUNCTIONS)                                                                    \
    static struct {                                                                                \
        pthread_once_t once;                                                                       \
        FUNCTIONS(PTR_R, PTR_V, PTR_N)                                                             \
    } LIB = {PTHREAD_ONCE_INIT};                                                                   \
    static void LOAD(void)                                                                         \
    {                                                                                              \
        void *h = lazy_open(SONAME);                                                               \
        FUNCTIONS(SYM_R, SYM_V, SYM_N)                                                             \
    }                                                                                              \
    FUNCTIONS(STUB_R, STUB_V, STUB_N)

#define LIB lazy_cairo
#define LOAD load_cairo
#define SONAME BM_CAIRO_SONAME
LAZY_LIBRARY(BM_CAIRO_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME

#define LIB lazy_pangocairo
#define LOAD load_pangocairo
#define SONAME BM_PANGOCAIRO_SONAME
LAZY_LIBRARY(BM_PANGOCAIRO_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME

#define LIB lazy_pango
#define LOAD load_pango
#define SONAME BM_PANGO_SONAME
LAZY_LIBRARY(BM_PANGO_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME

#define LIB lazy_png
#define LOAD load_png
#define SONAME BM_PNG_SONAME
LAZY_LIBRARY(BM_PNG_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME

#define LIB lazy_webp
#define LOAD load_webp
#define SONAME BM_WEBP_SONAME
LAZY_LIBRARY(BM_WEBP_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME

#define LIB lazy_webpmux
#define LOAD load_webpmux
#define SONAME BM_WEBPMUX_SONAME
LAZY_LIBRARY(BM_WEBPMUX_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME

#define LIB lazy_gif
#define LOAD load_gif
#define SONAME BM_GIF_SONAME
LAZY_LIBRARY(BM_GIF_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME

#define LIB lazy_pq
#define LOAD load_pq
#define SONAME BM_PQ_SONAME
LAZY_LIBRARY(BM_PQ_FUNCTIONS)
#undef LIB
#undef LOAD
#undef SONAME
