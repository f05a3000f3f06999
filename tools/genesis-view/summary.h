/* genesis-view: one-glance stdout summaries of received metrics and log records. */
#ifndef GV_SUMMARY_H
#define GV_SUMMARY_H

#include <stdio.h>

#include "tools/genesis-view/pb.h"

void gv_summary_metrics(FILE *out, const PbMetricsReq *req);
/* The log records that carry no trace id (the others go under their trace's waterfall). */
void gv_summary_logs(FILE *out, const PbLogsReq *req);

#endif
