/* gdal_lazy.c: GDAL and OGR loaded the first time a command calls them, not when the program
 * starts. libgdal brings in over a hundred libraries (HDF, NetCDF, Poppler, ...): linking and
 * relocating them cost every command about 25 ms before main(), a tenth of a whole map, while
 * only the basemap's first read, imports, exports and the gazetteer's area conversion use GDAL.
 * Each GDAL function the library calls is defined here, hidden, with GDAL's own prototype
 * (the compiler checks each against the header), and forwards to the real one, looked up once
 * for all. A GDAL function used elsewhere in src/ and missing from the list fails the link
 * (the library is linked with --no-undefined): add it here. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* Hidden: the definitions below are the library's own, never exported in GDAL's name (GDAL
 * marks its declarations visible unless CPL_DLL is set). */
#define CPL_DLL
#pragma GCC visibility push(hidden)
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#pragma GCC visibility pop

#ifndef BM_GDAL_SONAME
#define BM_GDAL_SONAME "libgdal.so"
#endif

/* R(return type, name, parameters, arguments) for a function with a value, V(name,
 * parameters, arguments) for one without. */
#define BM_GDAL_FUNCTIONS(R, V)                                                                    \
    V(CPLErrorReset, (void), ())                                                                   \
    R(void *, CPLGetErrorHandlerUserData, (void), ())                                              \
    R(const char *, CPLGetLastErrorMsg, (void), ())                                                \
    R(CPLErr, CPLGetLastErrorType, (void), ())                                                     \
    V(CPLPopErrorHandler, (void), ())                                                              \
    V(CPLPushErrorHandler, (CPLErrorHandler a0), (a0))                                             \
    V(CPLPushErrorHandlerEx, (CPLErrorHandler a0, void *a1), (a0, a1))                             \
    V(CPLQuietErrorHandler, (CPLErr a0, CPLErrorNum a1, const char *a2), (a0, a1, a2))             \
    V(CSLDestroy, (char **papszStrList), (papszStrList))                                           \
    R(char **, CSLSetNameValue, (char **papszStrList, const char *pszName, const char *pszValue),  \
      (papszStrList, pszName, pszValue))                                                           \
    V(GDALAllRegister, (void), ())                                                                 \
    V(GDALClose, (GDALDatasetH a0), (a0))                                                          \
    R(GDALDatasetH, GDALCreate,                                                                    \
      (GDALDriverH hDriver, const char *a1, int a2, int a3, int a4, GDALDataType a5,               \
       CSLConstList a6),                                                                           \
      (hDriver, a1, a2, a3, a4, a5, a6))                                                           \
    R(OGRErr, GDALDatasetCommitTransaction, (GDALDatasetH hDS), (hDS))                             \
    R(OGRLayerH, GDALDatasetCreateLayer,                                                           \
      (GDALDatasetH a0, const char *a1, OGRSpatialReferenceH a2, OGRwkbGeometryType a3,            \
       CSLConstList a4),                                                                           \
      (a0, a1, a2, a3, a4))                                                                        \
    R(OGRLayerH, GDALDatasetGetLayer, (GDALDatasetH a0, int a1), (a0, a1))                         \
    R(OGRLayerH, GDALDatasetGetLayerByName, (GDALDatasetH a0, const char *a1), (a0, a1))           \
    R(int, GDALDatasetGetLayerCount, (GDALDatasetH a0), (a0))                                      \
    R(OGRErr, GDALDatasetRollbackTransaction, (GDALDatasetH hDS), (hDS))                           \
    V(GDALDatasetSetStyleTable, (GDALDatasetH a0, OGRStyleTableH a1), (a0, a1))                    \
    R(OGRErr, GDALDatasetStartTransaction, (GDALDatasetH hDS, int bForce), (hDS, bForce))          \
    R(int, GDALDatasetTestCapability, (GDALDatasetH a0, const char *a1), (a0, a1))                 \
    R(GDALDriverH, GDALGetDriverByName, (const char *a0), (a0))                                    \
    R(GDALDatasetH, GDALOpenEx,                                                                    \
      (const char *pszFilename, unsigned int nOpenFlags, const char *const *papszAllowedDrivers,   \
       const char *const *papszOpenOptions, const char *const *papszSiblingFiles),                 \
      (pszFilename, nOpenFlags, papszAllowedDrivers, papszOpenOptions, papszSiblingFiles))         \
    V(OCTDestroyCoordinateTransformation, (OGRCoordinateTransformationH a0), (a0))                 \
    R(OGRCoordinateTransformationH, OCTNewCoordinateTransformation,                                \
      (OGRSpatialReferenceH hSourceSRS, OGRSpatialReferenceH hTargetSRS),                          \
      (hSourceSRS, hTargetSRS))                                                                    \
    R(OGRDataSourceH, OGROpen, (const char *a0, int a1, OGRSFDriverH *a2), (a0, a1, a2))           \
    V(OGRRegisterAll, (void), ())                                                                  \
    V(OGR_DS_Destroy, (OGRDataSourceH a0), (a0))                                                   \
    R(OGRLayerH, OGR_DS_GetLayer, (OGRDataSourceH a0, int a1), (a0, a1))                           \
    R(OGRLayerH, OGR_DS_GetLayerByName, (OGRDataSourceH a0, const char *a1), (a0, a1))             \
    R(int, OGR_FD_GetFieldIndex, (OGRFeatureDefnH a0, const char *a1), (a0, a1))                   \
    R(OGRFeatureH, OGR_F_Create, (OGRFeatureDefnH a0), (a0))                                       \
    V(OGR_F_Destroy, (OGRFeatureH a0), (a0))                                                       \
    R(GIntBig, OGR_F_GetFID, (OGRFeatureH a0), (a0))                                               \
    R(double, OGR_F_GetFieldAsDouble, (OGRFeatureH a0, int a1), (a0, a1))                          \
    R(int, OGR_F_GetFieldAsInteger, (OGRFeatureH a0, int a1), (a0, a1))                            \
    R(const char *, OGR_F_GetFieldAsString, (OGRFeatureH a0, int a1), (a0, a1))                    \
    R(OGRFieldDefnH, OGR_F_GetFieldDefnRef, (OGRFeatureH a0, int a1), (a0, a1))                    \
    R(int, OGR_F_GetFieldIndex, (OGRFeatureH a0, const char *a1), (a0, a1))                        \
    R(OGRGeometryH, OGR_F_GetGeometryRef, (OGRFeatureH a0), (a0))                                  \
    R(int, OGR_F_IsFieldSetAndNotNull, (OGRFeatureH a0, int a1), (a0, a1))                         \
    R(OGRErr, OGR_F_SetFID, (OGRFeatureH a0, GIntBig a1), (a0, a1))                                \
    V(OGR_F_SetFieldDateTime,                                                                      \
      (OGRFeatureH a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8),            \
      (a0, a1, a2, a3, a4, a5, a6, a7, a8))                                                        \
    V(OGR_F_SetFieldDouble, (OGRFeatureH a0, int a1, double a2), (a0, a1, a2))                     \
    V(OGR_F_SetFieldInteger, (OGRFeatureH a0, int a1, int a2), (a0, a1, a2))                       \
    V(OGR_F_SetFieldInteger64, (OGRFeatureH a0, int a1, GIntBig a2), (a0, a1, a2))                 \
    V(OGR_F_SetFieldNull, (OGRFeatureH a0, int a1), (a0, a1))                                      \
    V(OGR_F_SetFieldString, (OGRFeatureH a0, int a1, const char *a2), (a0, a1, a2))                \
    R(OGRErr, OGR_F_SetGeometry, (OGRFeatureH a0, OGRGeometryH a1), (a0, a1))                      \
    R(OGRErr, OGR_F_SetGeometryDirectly, (OGRFeatureH a0, OGRGeometryH a1), (a0, a1))              \
    V(OGR_F_SetStyleString, (OGRFeatureH a0, const char *a1), (a0, a1))                            \
    R(OGRGeometryH, OGR_F_StealGeometry, (OGRFeatureH a0), (a0))                                   \
    R(OGRFieldDefnH, OGR_Fld_Create, (const char *a0, OGRFieldType a1), (a0, a1))                  \
    V(OGR_Fld_Destroy, (OGRFieldDefnH a0), (a0))                                                   \
    R(OGRFieldType, OGR_Fld_GetType, (OGRFieldDefnH a0), (a0))                                     \
    R(OGRwkbGeometryType, OGR_GT_Flatten, (OGRwkbGeometryType eType), (eType))                     \
    R(OGRErr, OGR_G_AddGeometryDirectly, (OGRGeometryH a0, OGRGeometryH a1), (a0, a1))             \
    V(OGR_G_AddPoint_2D, (OGRGeometryH a0, double a1, double a2), (a0, a1, a2))                    \
    R(OGRGeometryH, OGR_G_Clone, (OGRGeometryH a0), (a0))                                          \
    R(OGRErr, OGR_G_CreateFromWkbEx,                                                               \
      (const void *a0, OGRSpatialReferenceH a1, OGRGeometryH *a2, size_t a3), (a0, a1, a2, a3))    \
    R(OGRGeometryH, OGR_G_CreateGeometry, (OGRwkbGeometryType a0), (a0))                           \
    V(OGR_G_DestroyGeometry, (OGRGeometryH a0), (a0))                                              \
    R(char *, OGR_G_ExportToJsonEx, (OGRGeometryH a0, char **papszOptions), (a0, papszOptions))    \
    R(OGRErr, OGR_G_ExportToWkb, (OGRGeometryH a0, OGRwkbByteOrder a1, unsigned char *a2),         \
      (a0, a1, a2))                                                                                \
    R(OGRGeometryH, OGR_G_ForceToMultiPolygon, (OGRGeometryH a0), (a0))                            \
    V(OGR_G_GetEnvelope, (OGRGeometryH a0, OGREnvelope * a1), (a0, a1))                            \
    R(int, OGR_G_GetGeometryCount, (OGRGeometryH a0), (a0))                                        \
    R(OGRGeometryH, OGR_G_GetGeometryRef, (OGRGeometryH a0, int a1), (a0, a1))                     \
    R(OGRwkbGeometryType, OGR_G_GetGeometryType, (OGRGeometryH a0), (a0))                          \
    R(int, OGR_G_GetPointCount, (OGRGeometryH a0), (a0))                                           \
    R(int, OGR_G_GetPoints,                                                                        \
      (OGRGeometryH hGeom, void *pabyX, int nXStride, void *pabyY, int nYStride, void *pabyZ,      \
       int nZStride),                                                                              \
      (hGeom, pabyX, nXStride, pabyY, nYStride, pabyZ, nZStride))                                  \
    R(double, OGR_G_GetX, (OGRGeometryH a0, int a1), (a0, a1))                                     \
    R(double, OGR_G_GetY, (OGRGeometryH a0, int a1), (a0, a1))                                     \
    R(OGRGeometryH, OGR_G_Intersection, (OGRGeometryH a0, OGRGeometryH a1), (a0, a1))              \
    R(int, OGR_G_Intersects, (OGRGeometryH a0, OGRGeometryH a1), (a0, a1))                         \
    R(int, OGR_G_IsEmpty, (OGRGeometryH a0), (a0))                                                 \
    R(OGRGeometryH, OGR_G_PointOnSurface, (OGRGeometryH a0), (a0))                                 \
    V(OGR_G_SetPoint_2D, (OGRGeometryH a0, int iPoint, double a2, double a3),                      \
      (a0, iPoint, a2, a3))                                                                        \
    R(OGRGeometryH, OGR_G_SimplifyPreserveTopology, (OGRGeometryH hThis, double tolerance),        \
      (hThis, tolerance))                                                                          \
    R(OGRErr, OGR_G_Transform, (OGRGeometryH a0, OGRCoordinateTransformationH a1), (a0, a1))       \
    R(int, OGR_G_WkbSize, (OGRGeometryH hGeom), (hGeom))                                           \
    R(OGRErr, OGR_L_CreateFeature, (OGRLayerH a0, OGRFeatureH a1), (a0, a1))                       \
    R(OGRErr, OGR_L_CreateField, (OGRLayerH a0, OGRFieldDefnH a1, int a2), (a0, a1, a2))           \
    R(OGRFeatureDefnH, OGR_L_GetLayerDefn, (OGRLayerH a0), (a0))                                   \
    R(OGRFeatureH, OGR_L_GetNextFeature, (OGRLayerH a0), (a0))                                     \
    R(OGRSpatialReferenceH, OGR_L_GetSpatialRef, (OGRLayerH a0), (a0))                             \
    V(OGR_L_ResetReading, (OGRLayerH a0), (a0))                                                    \
    R(OGRErr, OGR_L_SetAttributeFilter, (OGRLayerH a0, const char *a1), (a0, a1))                  \
    R(int, OGR_STBL_AddStyle,                                                                      \
      (OGRStyleTableH hStyleTable, const char *pszName, const char *pszStyleString),               \
      (hStyleTable, pszName, pszStyleString))                                                      \
    R(OGRStyleTableH, OGR_STBL_Create, (void), ())                                                 \
    V(OGR_STBL_Destroy, (OGRStyleTableH hSTBL), (hSTBL))                                           \
    V(OSRDestroySpatialReference, (OGRSpatialReferenceH a0), (a0))                                 \
    R(const char *, OSRGetAuthorityCode, (OGRSpatialReferenceH hSRS, const char *pszTargetKey),    \
      (hSRS, pszTargetKey))                                                                        \
    R(OGRErr, OSRImportFromEPSG, (OGRSpatialReferenceH a0, int a1), (a0, a1))                      \
    R(int, OSRIsGeographic, (OGRSpatialReferenceH a0), (a0))                                       \
    R(OGRSpatialReferenceH, OSRNewSpatialReference, (const char *a0), (a0))                        \
    V(OSRSetAxisMappingStrategy, (OGRSpatialReferenceH hSRS, OSRAxisMappingStrategy strategy),     \
      (hSRS, strategy))                                                                            \
    V(VSIFree, (void *a0), (a0))

#define PTR_R(ret, name, params, args) __typeof__(name) *name;
#define PTR_V(name, params, args) __typeof__(name) *name;

/* The real functions: written once, under the once-control, then only read. */
static struct {
    BM_GDAL_FUNCTIONS(PTR_R, PTR_V)
} gdal;
static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

/* No way to report a missing GDAL through a void function: it is part of the installation
 * (a package dependency), so its absence ends the program with the loader's message. */
static void gdal_missing(const char *what)
{
    const char *why = dlerror();
    fprintf(stderr, "bordermap: cannot load GDAL (%s, %s): %s\n", BM_GDAL_SONAME, what,
            why ? why : "not found");
    exit(EXIT_FAILURE);
}

#define SYM_R(ret, name, params, args)                                                             \
    if (!(*(void **)&gdal.name = dlsym(h, #name)))                                                 \
        gdal_missing(#name);
#define SYM_V(name, params, args) SYM_R(void, name, params, args)

static void gdal_load(void)
{
    void *h = dlopen(BM_GDAL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        gdal_missing("dlopen");
    BM_GDAL_FUNCTIONS(SYM_R, SYM_V)
}

static void gdal_need(void)
{
    pthread_once(&gdal_once, gdal_load);
}

#define STUB_R(ret, name, params, args)                                                            \
    ret name params                                                                                \
    {                                                                                              \
        gdal_need();                                                                               \
        return gdal.name args;                                                                     \
    }
#define STUB_V(name, params, args)                                                                 \
    void name params                                                                               \
    {                                                                                              \
        gdal_need();                                                                               \
        gdal.name args;                                                                            \
    }

BM_GDAL_FUNCTIONS(STUB_R, STUB_V)
