/*
 * routes_releases.h — parameter specs of the release-candidate, readiness,
 * feedback, release and train routes (included by routes.c only).
 */
