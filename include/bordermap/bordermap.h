/* bordermap.h: the whole public API of libbordermap.
 * Include this, or one module header; nothing under src/ is public. */
#ifndef BORDERMAP_H
#define BORDERMAP_H

#include "bordermap/common.h"
#include "bordermap/store.h"
#include "bordermap/edits.h"
#if __has_include("bordermap/arabic.h")
#include "bordermap/arabic.h"
#endif
#if __has_include("bordermap/gazetteer.h")
#include "bordermap/gazetteer.h"
#endif
#if __has_include("bordermap/dates.h")
#include "bordermap/dates.h"
#endif
#if __has_include("bordermap/extract.h")
#include "bordermap/extract.h"
#endif
#if __has_include("bordermap/ingest.h")
#include "bordermap/ingest.h"
#endif
#if __has_include("bordermap/render.h")
#include "bordermap/render.h"
#endif
#if __has_include("bordermap/export.h")
#include "bordermap/export.h"
#endif
#if __has_include("bordermap/animate.h")
#include "bordermap/animate.h"
#endif
#include "bordermap/fileio.h"
#include "bordermap/actors.h"
#include "bordermap/acled.h"

#endif
