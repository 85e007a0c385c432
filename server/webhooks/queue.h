/*
 * webhooks/queue.h — queued webhook processing (webhooks.processing:
 * queued): deliveries stored with status "received" by group commit and
 * answered 202, then applied by background appliers.  See queue.c.
 */
#ifndef SHIPLOG_WEBHOOK_QUEUE_H
#define SHIPLOG_WEBHOOK_QUEUE_H

#include <stdbool.h>

#include "webhooks/webhook.h"

struct app;

/*
 * Stores an authenticated delivery for the appliers, together with the
 * deliveries other requests are storing at the same moment (one statement,
 * one commit).  out: WEBHOOK_QUEUED (row_id set), WEBHOOK_DUPLICATE (the
 * delivery id already succeeded; stored without its body) or
 * WEBHOOK_DB_ERROR.  Returns false, storing nothing, when the delivery must
 * take the inline path instead, which records why it is refused: its body is
 * not a JSON object, or it is about another repository than the one whose
 * secret signed it.
 */
bool webhook_enqueue(struct app *app, const struct webhook_delivery *d, struct webhook_result *out);

/* The background appliers (cfg webhook_workers of them; none when
 * processing is inline). */
bool webhook_appliers_start(struct app *app);
void webhook_appliers_stop(void);

#endif
