/*
 * routes_environments.h — parameter specs of the artifacts, environments,
 * deployments and Flux routes (included by routes.c only).
 */
